"""Variance-based (Sobol) sensitivity indices: a paired sample/analyse step, as in SALib.

:func:`sobol_indices` evaluates a vectorised model on a Saltelli design built from a
scrambled Sobol sequence and returns first-order (``s1``) and total (``st``) indices,
with bootstrap intervals, for single factors or for *groups* of factors (e.g. all the
weights of one dimension). It is validated on the Ishigami function, whose indices are
known analytically (:func:`ishigami_indices`).

Examples
--------
>>> res = sobol_indices(ishigami, {"x1": (-3.14159265, 3.14159265),
...                                "x2": (-3.14159265, 3.14159265),
...                                "x3": (-3.14159265, 3.14159265)},
...                     n_base=4096, seed=1, n_boot=0)
>>> f = res.to_frame()
>>> [round(v, 2) + 0.0 for v in f.s1], [round(v, 2) for v in f.st]
([0.31, 0.44, 0.0], [0.56, 0.44, 0.24])
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import qmc

from workbench._deprecation import renamed
from workbench.errors import ParameterError
from workbench.results import DEFAULT_N_BOOT, ProvenanceMixin, frame_html

__all__ = [
    "SOBOL_COLUMNS",
    "SobolResult",
    "ishigami",
    "ishigami_indices",
    "saltelli_design",
    "sobol_analyze",
    "sobol_indices",
]

SOBOL_COLUMNS = ["output", "factor", "s1", "s1_ci_low", "s1_ci_high", "st", "st_ci_low", "st_ci_high"]

WIDE_INTERVAL = 0.3
"""An index interval wider than this cannot be read (it spans "unimportant" to "dominant"):
:func:`sobol_indices` then warns and says how much larger ``n_base`` should be."""


def ishigami(x: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    """The Ishigami function ``sin x1 + a sin^2 x2 + b x3^4 sin x1`` (rows are points)."""
    x = np.asarray(x, dtype=float)
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def ishigami_indices(a: float = 7.0, b: float = 0.1) -> pd.DataFrame:
    """Analytic first-order and total indices of :func:`ishigami` on ``[-pi, pi]^3``.

    Examples
    --------
    >>> ishigami_indices().round(4)
      factor      s1      st
    0     x1  0.3139  0.5576
    1     x2  0.4424  0.4424
    2     x3  0.0000  0.2437
    """
    pi = np.pi
    v1 = 0.5 * (1 + b * pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * pi**8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    return pd.DataFrame({"factor": ["x1", "x2", "x3"],
                         "s1": [v1 / v, v2 / v, 0.0],
                         "st": [(v1 + v13) / v, v2 / v, v13 / v]})


def _group_index(names: Sequence[str], groups: Mapping[str, Sequence[str]] | None) -> dict[str, list[int]]:
    if groups is None:
        return {n: [i] for i, n in enumerate(names)}
    pos = {n: i for i, n in enumerate(names)}
    out: dict[str, list[int]] = {}
    seen: set[str] = set()
    for g, members in groups.items():
        idx = []
        for m in members:
            if m not in pos:
                raise ParameterError(f"Group {g!r} names an unknown factor {m!r}; factors: {list(names)}.")
            if m in seen:
                raise ParameterError(f"Factor {m!r} is in more than one group.")
            seen.add(m)
            idx.append(pos[m])
        out[str(g)] = idx
    missing = [n for n in names if n not in seen]
    if missing:
        raise ParameterError(f"Every factor must be in a group; not grouped: {missing}.")
    return out


def saltelli_design(
    bounds: np.ndarray, n_base: int, seed: int, groups: Sequence[Sequence[int]]
) -> np.ndarray:
    """The Saltelli (2010) design: ``A``, ``B`` and one ``AB_g`` block per group.

    Parameters
    ----------
    bounds
        ``(d, 2)`` lower and upper bounds of the ``d`` factors (uniform inputs).
    n_base
        Rows of each block (a power of 2 balances the Sobol sequence).
    seed
        Seed of the scrambled Sobol sequence.
    groups
        Column indices of each group; ``AB_g`` is ``A`` with the group's columns from ``B``.

    Returns
    -------
    numpy.ndarray
        ``(n_base * (G + 2), d)``: the blocks ``A, B, AB_1, ..., AB_G`` stacked.
    """
    d = bounds.shape[0]
    u = qmc.Sobol(d=2 * d, scramble=True, seed=seed).random(n_base)
    lo, hi = bounds[:, 0], bounds[:, 1]
    a = lo + u[:, :d] * (hi - lo)
    b = lo + u[:, d:] * (hi - lo)
    blocks = [a, b]
    for cols in groups:
        ab = a.copy()
        ab[:, list(cols)] = b[:, list(cols)]
        blocks.append(ab)
    return np.vstack(blocks)


def _estimate(fa: np.ndarray, fb: np.ndarray, fab: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Saltelli (2010) first-order and Jansen (1999) total estimators.

    ``fa, fb``: ``(N, m)``; ``fab``: ``(G, N, m)``, all centred (see :func:`sobol_analyze`).
    Returns ``s1, st`` of shape ``(G, m)``.
    """
    var = np.var(np.concatenate([fa, fb]), axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        s1 = np.mean(fb * (fab - fa), axis=1) / var
        st = 0.5 * np.mean((fa - fab) ** 2, axis=1) / var
    zero = var == 0
    s1[:, zero] = np.nan
    st[:, zero] = np.nan
    return s1, st


def _estimate_many(fa: np.ndarray, fb: np.ndarray, prod: np.ndarray, sq: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_estimate` for a block of bootstrap resamples: ``fa, fb`` ``(B, N, m)``;
    ``prod``, ``sq`` ``(B, N, G, m)``: the resampled terms ``f_B (f_ABi - f_A)`` and
    ``(f_A - f_ABi)^2`` (element-wise, so resampling them is resampling their factors,
    and one gather of whole ``(G, m)`` rows per resampled base row); returns ``s1, st``
    of shape ``(B, G, m)``.

    With ``m > 1`` outputs the sums run along a non-contiguous axis (``N``), one term
    after the other as in :func:`_estimate`, so the results are the same to the last bit;
    with one output NumPy would sum the batch in another order, so :func:`sobol_analyze`
    keeps the loop there (it is cheap)."""
    var = np.var(np.concatenate([fa, fb], axis=1), axis=1)  # (B, m)
    with np.errstate(divide="ignore", invalid="ignore"):
        s1 = np.mean(prod, axis=1) / var[:, None]
        st = 0.5 * np.mean(sq, axis=1) / var[:, None]
    zero = np.broadcast_to((var == 0)[:, None, :], s1.shape)
    s1[zero] = np.nan
    st[zero] = np.nan
    return s1, st


def sobol_analyze(
    y: np.ndarray, n_base: int, n_groups: int, *, n_boot: int = DEFAULT_N_BOOT, seed: int = 0,
    confidence: float = 0.95, n_bootstrap: int | None = None,
) -> dict[str, np.ndarray]:
    """Sobol indices from model outputs on a :func:`saltelli_design`.

    Returns a dict of ``(G, m)`` arrays: ``s1, st`` and their percentile bootstrap bounds
    ``s1_ci_low, s1_ci_high, st_ci_low, st_ci_high`` (NaN when ``n_boot`` is 0).

    Each output is centred on its mean over all model runs first, as SALib does: the
    Saltelli (2010) first-order estimator ``mean(f_B (f_ABi - f_A))`` is not invariant to
    a constant added to the output (in a finite sample ``mean(f_ABi - f_A)`` is not 0), so
    without centring an offset of 20 turns S1 = .18 into .25. ``n_bootstrap`` is the
    deprecated name of ``n_boot``.
    """
    n_boot = renamed("sobol_analyze", "n_bootstrap", "n_boot", n_bootstrap, n_boot, default=DEFAULT_N_BOOT)
    y = np.asarray(y, dtype=float)
    if y.ndim == 1:
        y = y[:, None]
    y = y - y.mean(axis=0)
    if y.shape[0] != n_base * (n_groups + 2):
        raise ParameterError(f"`y` has {y.shape[0]} rows; expected n_base * (G + 2) = "
                             f"{n_base * (n_groups + 2)}.")
    fa, fb = y[:n_base], y[n_base:2 * n_base]
    fab = y[2 * n_base:].reshape(n_groups, n_base, -1)
    s1, st = _estimate(fa, fb, fab)
    out = {"s1": s1, "st": st}
    nan = np.full_like(s1, np.nan)
    if n_boot > 0:
        rng = np.random.default_rng(seed)
        # the resamples of the loop ``for k: i = rng.integers(...)``, evaluated in blocks of
        # draws at once (each draw's arrays laid out as in the loop, so the same sums)
        idx = np.stack([rng.integers(0, n_base, n_base) for _ in range(n_boot)])
        b1 = np.empty((n_boot, *s1.shape))
        bt = np.empty((n_boot, *s1.shape))
        block = max(1, int(2**22 // max(fab.size, 1)))
        # the terms of the two estimators per base row, once, base rows first (N, G, m):
        # the resamples gather them
        prod = np.ascontiguousarray((fb[None] * (fab - fa[None])).transpose(1, 0, 2))
        sq = np.ascontiguousarray(((fa[None] - fab) ** 2).transpose(1, 0, 2))
        for k in range(0, n_boot, block):
            if y.shape[1] == 1:
                for j in range(k, min(k + block, n_boot)):
                    b1[j], bt[j] = _estimate(fa[idx[j]], fb[idx[j]], fab[:, idx[j]])
                continue
            i = idx[k:k + block]
            b1[k:k + block], bt[k:k + block] = _estimate_many(fa[i], fb[i], prod[i], sq[i])
        q = [(1 - confidence) / 2 * 100, (1 + confidence) / 2 * 100]
        out["s1_ci_low"], out["s1_ci_high"] = np.nanpercentile(b1, q, axis=0)
        out["st_ci_low"], out["st_ci_high"] = np.nanpercentile(bt, q, axis=0)
    else:
        for key in ("s1_ci_low", "s1_ci_high", "st_ci_low", "st_ci_high"):
            out[key] = nan
    return out


@dataclass(frozen=True, eq=False)
class SobolResult(ProvenanceMixin):
    """First-order and total Sobol indices of factors (or groups) on one or more outputs.

    ``to_frame()``: ``output, factor, s1, s1_ci_low, s1_ci_high, st, st_ci_low,
    st_ci_high`` (one row per output and factor). ``s1`` is the share of the output's
    variance explained by the factor alone; ``st`` adds all its interactions;
    ``st - s1`` large means the factor matters through interactions. ``notes`` says when
    the intervals are too wide to read.
    """

    frame: pd.DataFrame = field(repr=False)
    n_base: int
    n_evaluations: int
    parameters: dict[str, Any] = field(default_factory=dict, repr=False)
    _data: Any = field(default=None, repr=False)
    notes: tuple[str, ...] = ()
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    def to_frame(self) -> pd.DataFrame:
        """The indices (see the class docstring for the columns)."""
        return self.frame.copy()

    def pivot(self, index: str = "st") -> pd.DataFrame:
        """One index as a table: factors in rows, outputs in columns."""
        return self.frame.pivot(index="factor", columns="output", values=index)

    def _provenance_data(self) -> Any:
        return self._data if self._data is not None else self.frame

    def _repr_html_(self) -> str:
        notes = "".join(f"<p><em>{n}</em></p>" for n in self.notes)
        return frame_html(f"Sobol indices (N = {self.n_base}, {self.n_evaluations} evaluations)",
                          self.frame, max_rows=40) + notes


def interval_notes(frame: pd.DataFrame, n_base: int, limit: float = WIDE_INTERVAL) -> tuple[str, ...]:
    """A note (and a warning) when an index interval is wider than ``limit``.

    The Monte-Carlo error of an index falls as ``1 / sqrt(N)``; halving the widest interval
    needs four times ``n_base``. Returns the notes; warns with :class:`UserWarning`.
    """
    width = np.nanmax(np.r_[(frame["s1_ci_high"] - frame["s1_ci_low"]).to_numpy(float),
                            (frame["st_ci_high"] - frame["st_ci_low"]).to_numpy(float), -np.inf])
    if not np.isfinite(width) or width <= limit:
        return ()
    factor = int(2 ** np.ceil(2 * np.log2(width / limit)))
    text = (f"Sobol intervals are too wide to read (up to {width:.2f}, above {limit:g}): indices "
            f"this uncertain cannot rank the factors. Increase n_base from {n_base} to at least "
            f"{n_base * factor}, or group the factors (fewer, larger indices).")
    warnings.warn(text, UserWarning, stacklevel=3)
    return (text,)


def sobol_indices(
    model: Callable[[np.ndarray], np.ndarray],
    bounds: Mapping[str, tuple[float, float]],
    *,
    n_base: int = 1024,
    seed: int = 0,
    groups: Mapping[str, Sequence[str]] | None = None,
    n_boot: int = DEFAULT_N_BOOT,
    output_names: Sequence[str] | None = None,
    n_bootstrap: int | None = None,
) -> SobolResult:
    """First-order and total Sobol indices of a vectorised model with uniform inputs.

    Parameters
    ----------
    model
        ``f(X) -> y``: ``X`` is ``(N, d)`` (columns in the order of ``bounds``), ``y`` is
        ``(N,)`` or ``(N, m)`` for ``m`` outputs.
    bounds
        ``{factor: (low, high)}``; each factor is uniform on its interval.
    n_base
        Base sample size ``N``; the model is evaluated ``N * (G + 2)`` times.
    seed
        Seed of the scrambled Sobol sequence and of the bootstrap.
    groups
        ``{group: [factor, ...]}``: indices of groups of factors, every factor in exactly
        one group; ``None`` gives one index per factor.
    n_boot
        Bootstrap resamples for the 95 % intervals (0: none; default
        :data:`~workbench.results.DEFAULT_N_BOOT`). ``n_bootstrap`` is its deprecated name.
    output_names
        Names of the ``m`` outputs (default ``y`` or ``y0, y1, ...``).

    Returns
    -------
    SobolResult
        ``to_frame()``: ``output, factor, s1, s1_ci_low, s1_ci_high, st, st_ci_low,
        st_ci_high``.

    Notes
    -----
    Estimators: Saltelli et al. (2010) for ``S1`` (``mean(f_B (f_ABi - f_A)) / V``) and
    Jansen (1999) for ``ST`` (``mean((f_A - f_ABi)^2) / 2V``), the pair SALib uses, on the
    output centred on its mean (so that adding a constant to the output changes nothing).
    An output that does not vary gets NaN indices. Indices estimated from ``N`` points have
    Monte-Carlo error of order ``1 / sqrt(N)``; read small values (< 0.05) as zero. When an
    interval is wider than :data:`WIDE_INTERVAL` the result warns and ``notes`` says how
    large ``n_base`` should be.

    References
    ----------
    Saltelli, A. et al. (2010). Variance based sensitivity analysis of model output.
    *Computer Physics Communications* 181, 259-270.
    Ishigami, T., Homma, T. (1990). An importance quantification technique in uncertainty
    analysis for computer models. *ISUMA '90*.
    """
    n_boot = renamed("sobol_indices", "n_bootstrap", "n_boot", n_bootstrap, n_boot, default=DEFAULT_N_BOOT)
    names = [str(n) for n in bounds]
    if not names:
        raise ParameterError("`bounds` must name at least one factor.")
    if n_base < 8:
        raise ParameterError(f"`n_base` must be at least 8; got {n_base}.")
    b = np.array([bounds[n] for n in names], dtype=float)
    if b.shape != (len(names), 2) or np.any(b[:, 1] < b[:, 0]):
        raise ParameterError("Each bound must be a pair (low, high) with low <= high.")
    gidx = _group_index(names, groups)
    x = saltelli_design(b, n_base, seed, list(gidx.values()))
    y = np.asarray(model(x), dtype=float)
    if y.ndim == 1:
        y = y[:, None]
    if y.shape[0] != x.shape[0]:
        raise ParameterError(f"`model` returned {y.shape[0]} rows for {x.shape[0]} points.")
    m = y.shape[1]
    outs = list(output_names) if output_names is not None else (["y"] if m == 1 else [f"y{i}" for i in range(m)])
    if len(outs) != m:
        raise ParameterError(f"`output_names` has {len(outs)} names for {m} outputs.")
    if n_boot < 0:
        raise ParameterError(f"`n_boot` must be 0 or more; got {n_boot!r}.")
    res = sobol_analyze(y, n_base, len(gidx), n_boot=n_boot, seed=seed)
    rows = []
    for j, out in enumerate(outs):
        for g, factor in enumerate(gidx):
            rows.append([out, factor] + [float(res[c][g, j]) for c in SOBOL_COLUMNS[2:]])
    frame = pd.DataFrame(rows, columns=SOBOL_COLUMNS)
    params = {"n_base": n_base, "seed": seed, "n_boot": n_boot,
              "groups": None if groups is None else {k: list(v) for k, v in groups.items()}}
    return SobolResult(frame, n_base, int(x.shape[0]), params, None, interval_notes(frame, n_base))
