"""Effective weights: what each indicator really contributes to a composite.

A nominal weight says how much an indicator *should* count; with indicators on different
spreads and correlated with each other, its real share of the composite's variance can be
very different. :func:`effective_weights` reports both, side by side.

Examples
--------
>>> import pandas as pd
>>> x = pd.DataFrame({"wide": [0.0, 10, 20, 30], "narrow": [1.0, 1.1, 0.9, 1.0]})
>>> e = effective_weights(x, {"wide": 0.5, "narrow": 0.5}).to_frame()
>>> [round(v, 2) + 0.0 for v in e["effective"]]
[1.0, 0.0]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from workbench._deprecation import renamed, warn
from workbench.errors import ParameterError
from workbench.results import ProvenanceMixin, frame_html
from workbench.rubric.model import Rubric

__all__ = ["EFFECTIVE_COLUMNS", "EffectiveWeights", "effective_weights"]

EFFECTIVE_COLUMNS = ["target", "indicator", "nominal", "effective", "ratio", "sd", "corr", "n"]


@dataclass(frozen=True, eq=False)
class EffectiveWeights(ProvenanceMixin):
    """Nominal and effective weights (see :func:`effective_weights`).

    ``to_frame()``: ``target, indicator, nominal, effective, ratio, sd, corr, n``: the
    composite or dimension (``target``), the normalised nominal weight, the effective
    weight, their ratio, the indicator's standard deviation (on the scale it enters the
    composite), its correlation with the target and the rows used.
    """

    frame: pd.DataFrame = field(repr=False)
    parameters: dict[str, Any] = field(default_factory=dict, repr=False)
    _data: Any = field(default=None, repr=False)
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    def to_frame(self) -> pd.DataFrame:
        """The weights (see the class docstring)."""
        return self.frame.copy()

    def _provenance_data(self) -> Any:
        return self._data if self._data is not None else self.frame

    def _repr_html_(self) -> str:
        return frame_html("Nominal and effective weights", self.frame, max_rows=40)


def _effective(x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    ok = ~np.isnan(x).any(axis=1)
    x = x[ok]
    if x.shape[0] < 3:
        raise ParameterError("Effective weights need at least 3 complete rows.")
    c = x @ w
    xc = x - x.mean(axis=0)
    cc = c - c.mean()
    var = cc @ cc / (len(c) - 1)
    cov = xc.T @ cc / (len(c) - 1)
    sd = x.std(axis=0, ddof=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        eff = w * cov / var if var > 0 else np.full(len(w), np.nan)
        corr = cov / (sd * np.sqrt(var))
    return eff, sd, corr, int(x.shape[0])


def _rows(target: str, names: list[str], w: np.ndarray, x: np.ndarray) -> list[list[Any]]:
    nominal = w / w.sum()
    eff, sd, corr, n = _effective(x, w)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = eff / nominal
    return [[target, names[i], nominal[i], eff[i], ratio[i], sd[i], corr[i], n] for i in range(len(names))]


def effective_weights(
    data: Any,
    indicators: Mapping[str, float] | pd.Series | None = None,
    *,
    rubric: Rubric | None = None,
    weights: str | Mapping[str, float] | pd.Series = "baseline",
    period: str | list[str] | None = None,
    weight_set: str | None = None,
) -> EffectiveWeights:
    """Nominal beside effective weights of the indicators of a composite.

    Parameters
    ----------
    data
        Either an indicator matrix (DataFrame, rows employees, one column per indicator)
        with ``weights``, or a dataset (``wb.read_sample(...)``) with ``rubric``.
    indicators
        ``{indicator: weight}`` for a matrix (default: equal weights), as in
        ``Rubric.with_weights(indicators=...)``.
    rubric, weights
        With a dataset: the rubric and the name of the weight set to analyse. For a bands
        rubric the target is the composite (indicator weight = dimension weight x weight
        within the dimension, on the dimension's scale); for a matrix rubric each dimension
        is its own target. Rater roles are combined with the weight set's role weights.
        (``weights`` always names a weight set: a mapping there, and ``weight_set=``, are
        deprecated spellings of ``indicators=`` and ``weights=``.)
    period
        With a dataset: only these periods (one or a list); default all.

    Returns
    -------
    EffectiveWeights
        ``to_frame()``: ``target, indicator, nominal, effective, ratio, sd, corr, n``.

    Notes
    -----
    For ``c = sum_i w_i x_i``, ``var(c) = sum_i w_i cov(x_i, c)``, so the effective
    weight ``e_i = w_i cov(x_i, c) / var(c)`` is indicator *i*'s share of the composite's
    variance and the ``e_i`` sum to 1. It grows with the indicator's spread and with its
    correlation with the rest. An indicator with a large nominal weight but little spread
    (everyone gets the same score) decides little about who ranks where. Effective
    weights describe this dataset, not the rubric in general; a negative value means the
    indicator runs against the composite.

    References
    ----------
    Paruolo, P., Saisana, M., Saltelli, A. (2013). Ratings and rankings: voodoo or science?
    *JRSS A* 176(3), 609-634.

    Examples
    --------
    >>> import workbench as wb
    >>> from workbench.rubric import load_rubric
    >>> e = effective_weights(wb.read_sample("kota_contoh"),
    ...                       rubric=load_rubric("permenpanrb-6-2022-rinci")).to_frame()
    >>> sorted(e["target"].unique())
    ['hasil_kerja', 'perilaku_kerja']
    >>> bool(abs(e.groupby("target")["effective"].sum() - 1).max() < 1e-9)
    True
    """
    if isinstance(weights, Mapping | pd.Series):
        warn("`effective_weights(weights={...})` is deprecated: `weights` names a weight set; pass "
             "the mapping as `indicators=`.")
        if indicators is not None:
            raise ParameterError("Pass the indicator weights once, as `indicators=`.")
        indicators, weights = weights, "baseline"
    weights = renamed("effective_weights", "weight_set", "weights", weight_set, weights, default="baseline")
    if rubric is None:
        if not isinstance(data, pd.DataFrame):
            raise ParameterError("Pass an indicator matrix (DataFrame), or a dataset with `rubric=`.")
        names = [str(c) for c in data.columns]
        if indicators is None:
            w = np.ones(len(names))
        else:
            wmap = dict(indicators)
            unknown = [k for k in wmap if k not in names]
            if unknown:
                raise ParameterError(f"`indicators` names indicators not in `data`: {unknown}.")
            w = np.array([float(wmap.get(n, 0.0)) for n in names])
        if w.sum() <= 0:
            raise ParameterError("`indicators` must have a positive sum.")
        rows = _rows("composite", names, w, data.to_numpy(dtype=float))
        return EffectiveWeights(pd.DataFrame(rows, columns=EFFECTIVE_COLUMNS),
                                {"indicators": dict(zip(names, w.tolist(), strict=True))}, data)
    from workbench.weights._engine import select_period, weight_model

    if not isinstance(weights, str):
        raise ParameterError(f"`weights` must name a weight set of {rubric.id!r}; got {type(weights).__name__}.")
    data = select_period(data, period)
    model = weight_model(data, rubric, weights)
    ws = rubric.weights[weights]
    p_ix = {i: j for j, i in enumerate(model.indicators)}
    rows = []
    comp_names: list[str] = []
    comp_w: list[float] = []
    comp_x: list[np.ndarray] = []
    for dim in rubric.dimensions:
        cols = [p_ix[i] for i in dim.indicators]
        rho = np.array([ws.raters.get(dim.id, {}).get(r, 0.0) for r in model.roles])
        pres = model.present[:, cols, :]
        den = pres @ rho
        with np.errstate(invalid="ignore", divide="ignore"):
            x = np.where(den > 0, (model.u[:, cols, :] * pres) @ rho / np.where(den > 0, den, 1.0), np.nan)
        x = np.where(model.applies[:, cols], x, np.nan)
        w = np.array([ws.indicators.get(i, 0.0) for i in dim.indicators])
        if rubric.rule == "bands":
            comp_names += list(dim.indicators)
            comp_w += list(w / w.sum() * ws.dimensions.get(dim.id, 0.0))
            comp_x.append(x)
        elif len(cols) >= 2 and w.sum() > 0:
            keep = ~np.isnan(x).all(axis=1)
            rows += _rows(dim.id, list(dim.indicators), w, x[keep])
    if rubric.rule == "bands":
        xx = np.concatenate(comp_x, axis=1)
        wa = np.array(comp_w)
        keep = wa > 0
        rows = _rows("composite", [n for n, k in zip(comp_names, keep, strict=True) if k], wa[keep],
                     xx[:, keep])
    if not rows:
        raise ParameterError(f"Rubric {rubric.id!r} has no composite or dimension with two or more weighted "
                             "indicators; there is nothing to compare.")
    params = {"weights": weights, "period": period, "rubric_id": rubric.id, "rubric_hash": rubric.hash}
    return EffectiveWeights(pd.DataFrame(rows, columns=EFFECTIVE_COLUMNS), params, data.ratings)
