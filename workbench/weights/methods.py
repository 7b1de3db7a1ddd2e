"""Weighting methods beyond a manual choice: equal, PCA, CRITIC, entropy and AHP.

Every data-driven method takes an *indicator matrix*: a DataFrame with one row per
employee (and period) and one column per indicator, higher meaning better. It returns a
:class:`MethodWeights` whose ``.to_frame()`` is ``indicator, weight`` (summing to 1) and
whose :meth:`MethodWeights.as_dict` can be passed to ``rubric.with_weights(indicators=...)``.
:func:`ahp` derives weights from a pairwise comparison matrix and reports Saaty's
consistency ratio.

Examples
--------
>>> import pandas as pd
>>> x = pd.DataFrame({"a": [1.0, 2, 3, 4], "b": [2.0, 2, 3, 3], "c": [4.0, 1, 3, 2]})
>>> equal_weights(x.columns).as_dict()
{'a': 0.3333333333333333, 'b': 0.3333333333333333, 'c': 0.3333333333333333}
>>> round(sum(critic_weights(x).as_dict().values()), 12)
1.0
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from workbench.errors import ParameterError, check_option
from workbench.results import ProvenanceMixin, frame_html

__all__ = [
    "AHPResult",
    "MethodWeights",
    "RANDOM_INDEX",
    "ahp",
    "critic_weights",
    "entropy_weights",
    "equal_weights",
    "pca_weights",
]

RANDOM_INDEX: dict[int, float] = {
    1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41, 9: 1.45, 10: 1.49,
}
"""Saaty's random consistency index RI by matrix order n (Saaty 1980, Table 1.7)."""


@dataclass(frozen=True, eq=False)
class MethodWeights(ProvenanceMixin):
    """Weights produced by one weighting method.

    ``to_frame()`` has the columns ``indicator, weight``; the weights sum to 1.
    """

    method: str
    indicators: tuple[str, ...]
    weights: tuple[float, ...]
    notes: tuple[str, ...] = ()
    parameters: dict[str, Any] = field(default_factory=dict, repr=False)
    _data: Any = field(default=None, repr=False)

    def as_dict(self) -> dict[str, float]:
        """``{indicator: weight}``, ready for ``rubric.with_weights(indicators=...)``."""
        return dict(zip(self.indicators, self.weights, strict=True))

    def to_frame(self) -> pd.DataFrame:
        """One row per indicator: ``indicator, weight``."""
        return pd.DataFrame({"indicator": list(self.indicators), "weight": list(self.weights)})

    def _provenance_data(self) -> Any:
        return self._data if self._data is not None else self.to_frame()

    def _provenance_parameters(self) -> dict[str, Any]:
        return {"method": self.method, **self.parameters}

    def _repr_html_(self) -> str:
        return frame_html(f"Weights ({self.method})", self.to_frame())


def _matrix(data: pd.DataFrame) -> np.ndarray:
    if not isinstance(data, pd.DataFrame):
        raise ParameterError("`data` must be a DataFrame with one column per indicator; "
                             f"got {type(data).__name__}.")
    if data.shape[1] < 2:
        raise ParameterError("`data` needs at least two indicator columns.")
    x = data.dropna().to_numpy(dtype=float)
    if x.shape[0] < 3:
        raise ParameterError(f"`data` needs at least 3 complete rows; got {x.shape[0]}.")
    return x


def _result(method: str, cols: Iterable[Any], w: np.ndarray, data: Any = None,
            notes: tuple[str, ...] = (), **parameters: Any) -> MethodWeights:
    w = np.asarray(w, dtype=float)
    w = w / w.sum()
    return MethodWeights(method, tuple(str(c) for c in cols), tuple(float(v) for v in w),
                         notes, parameters, data)


def equal_weights(indicators: Iterable[str]) -> MethodWeights:
    """Equal weights ``1 / p`` for ``p`` indicators.

    Examples
    --------
    >>> equal_weights(["iki_kuantitas", "iki_kualitas"]).to_frame()
           indicator  weight
    0  iki_kuantitas     0.5
    1   iki_kualitas     0.5
    """
    names = [str(i) for i in indicators]
    if not names:
        raise ParameterError("`indicators` must name at least one indicator.")
    return _result("equal", names, np.ones(len(names)))


def _varimax(loadings: np.ndarray, max_iter: int = 100, tol: float = 1e-8) -> np.ndarray:
    """Kaiser's varimax rotation of a loadings matrix (indicators x factors)."""
    p, k = loadings.shape
    if k < 2:
        return loadings
    rotation = np.eye(k)
    objective = 0.0
    for _ in range(max_iter):
        lam = loadings @ rotation
        u, s, vt = np.linalg.svd(loadings.T @ (lam**3 - lam @ np.diag(np.sum(lam**2, axis=0)) / p))
        rotation = u @ vt
        if s.sum() < objective * (1 + tol):
            break
        objective = s.sum()
    return loadings @ rotation


def pca_weights(data: pd.DataFrame, *, min_eigenvalue: float = 1.0, rotate: bool = True) -> MethodWeights:
    """Factor-based weights from principal components (OECD/JRC Handbook, 2008, 6.1).

    Parameters
    ----------
    data
        Indicator matrix: rows employees, columns indicators (higher is better).
        Incomplete rows are dropped.
    min_eigenvalue
        Keep the components of the correlation matrix whose eigenvalue exceeds this
        (Kaiser's rule, 1.0); at least one is always kept.
    rotate
        Apply a varimax rotation to the kept loadings.

    Returns
    -------
    MethodWeights
        ``to_frame()``: ``indicator, weight``.

    Notes
    -----
    The Handbook's procedure: squared (rotated) loadings are scaled to sum to 1 within each
    factor; each indicator is assigned to the factor on which its scaled squared loading is
    largest and gets that value times the factor's share of the explained variance; the
    result is normalised to sum to 1. The weights describe how the indicators *co-vary*,
    not how important they are; an indicator uncorrelated with the others gets little
    weight unless it forms a factor of its own.

    References
    ----------
    Nardo, M. et al. (2008). *Handbook on Constructing Composite Indicators*. OECD/JRC.

    Examples
    --------
    >>> import workbench as wb
    >>> from workbench.weights.methods import pca_weights
    >>> r = wb.read_sample("kota_contoh").ratings
    >>> x = r[r.period == "2025"].pivot_table(index="employee_id", columns="indicator",
    ...                                       values="score")
    >>> w = pca_weights(x[["iki_kuantitas", "iki_kualitas", "iki_waktu"]])
    >>> round(sum(w.as_dict().values()), 10)
    1.0
    """
    x = _matrix(data)
    corr = np.corrcoef(x, rowvar=False)
    if not np.all(np.isfinite(corr)):
        raise ParameterError("`data` has an indicator with zero variance; drop it before PCA.")
    eigval, eigvec = np.linalg.eigh(corr)
    order = np.argsort(eigval)[::-1]
    eigval, eigvec = eigval[order], eigvec[:, order]
    k = max(1, int(np.sum(eigval > min_eigenvalue)))
    loadings = eigvec[:, :k] * np.sqrt(eigval[:k])
    if rotate:
        loadings = _varimax(loadings)
    sq = loadings**2
    explained = sq.sum(axis=0)
    scaled = sq / explained
    share = explained / explained.sum()
    best = np.argmax(scaled, axis=1)
    w = scaled[np.arange(len(best)), best] * share[best]
    return _result("pca", data.columns, w, data, min_eigenvalue=min_eigenvalue, rotate=rotate,
                   n_factors=k)


def critic_weights(data: pd.DataFrame) -> MethodWeights:
    """CRITIC weights (Diakoulaki, Mavrotas and Papayannakis, 1995).

    Each indicator is min-max normalised; its information content is
    ``C_j = sd_j * sum_k (1 - r_jk)`` (contrast times conflict with the others), and
    ``w_j = C_j / sum C``. Indicators that vary a lot and disagree with the rest weigh
    more; an indicator that duplicates another weighs less.

    References
    ----------
    Diakoulaki, D., Mavrotas, G., Papayannakis, L. (1995). Determining objective weights in
    multiple criteria problems: the CRITIC method. *Computers & Operations Research* 22(7).

    Examples
    --------
    >>> import pandas as pd
    >>> x = pd.DataFrame({"a": [1.0, 2, 3, 4], "b": [1.0, 2, 3, 4], "c": [4.0, 1, 3, 2]})
    >>> w = critic_weights(x).as_dict()
    >>> w["c"] > w["a"] == w["b"]
    True
    """
    x = _matrix(data)
    span = x.max(axis=0) - x.min(axis=0)
    if np.any(span == 0):
        raise ParameterError("`data` has an indicator with zero variance; CRITIC needs contrast.")
    z = (x - x.min(axis=0)) / span
    sd = z.std(axis=0, ddof=1)
    r = np.corrcoef(z, rowvar=False)
    c = sd * (1.0 - r).sum(axis=0)
    return _result("critic", data.columns, c, data)


def entropy_weights(data: pd.DataFrame) -> MethodWeights:
    """Shannon-entropy weights.

    Each indicator is min-max normalised to [0, 1], shares ``p_ij = z_ij / sum_i z_ij``
    give the entropy ``E_j = -sum_i p_ij ln p_ij / ln n``, and ``w_j = (1 - E_j) /
    sum (1 - E)``: the more an indicator discriminates between employees, the more it
    weighs. Entropy weights reward dispersion whatever its cause (including rater noise).

    References
    ----------
    Zeleny, M. (1982). *Multiple Criteria Decision Making*. McGraw-Hill.

    Examples
    --------
    >>> import pandas as pd
    >>> x = pd.DataFrame({"flat": [5.0, 5, 5, 6], "spread": [1.0, 2, 5, 9]})
    >>> w = entropy_weights(x).as_dict()
    >>> w["flat"] > w["spread"]   # one outlier: low entropy, high discrimination
    True
    """
    x = _matrix(data)
    span = x.max(axis=0) - x.min(axis=0)
    if np.any(span == 0):
        raise ParameterError("`data` has an indicator with zero variance; entropy needs contrast.")
    z = (x - x.min(axis=0)) / span
    p = z / z.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log(p), 0.0)
    e = -plogp.sum(axis=0) / np.log(x.shape[0])
    return _result("entropy", data.columns, 1.0 - e, data)


@dataclass(frozen=True, eq=False)
class AHPResult(ProvenanceMixin):
    """Weights from a pairwise comparison matrix, with Saaty's consistency check.

    Attributes
    ----------
    criteria, weights
        The priority vector.
    lambda_max, ci, ri, cr
        Principal eigenvalue, consistency index ``(lambda_max - n) / (n - 1)``, random
        index and consistency ratio ``ci / ri``.
    consistent
        ``cr <= threshold`` (0.10 by Saaty's rule).
    """

    criteria: tuple[str, ...]
    weights: tuple[float, ...]
    lambda_max: float
    ci: float
    ri: float
    cr: float
    consistent: bool
    method: str
    matrix: pd.DataFrame = field(repr=False)
    threshold: float = 0.10

    def as_dict(self) -> dict[str, float]:
        """``{criterion: weight}``."""
        return dict(zip(self.criteria, self.weights, strict=True))

    def to_frame(self) -> pd.DataFrame:
        """One row per criterion: ``criterion, weight``."""
        return pd.DataFrame({"criterion": list(self.criteria), "weight": list(self.weights)})

    def _provenance_data(self) -> Any:
        return self.matrix.reset_index()

    def _provenance_parameters(self) -> dict[str, Any]:
        return {"method": self.method, "threshold": self.threshold}

    def summary(self) -> pd.DataFrame:
        """One row: ``n, lambda_max, ci, ri, cr, consistent``."""
        return pd.DataFrame([{"n": len(self.criteria), "lambda_max": self.lambda_max, "ci": self.ci,
                              "ri": self.ri, "cr": self.cr, "consistent": self.consistent}])

    def _repr_html_(self) -> str:
        flag = "" if self.consistent else " <strong>(CR &gt; 0.10: revise the judgements)</strong>"
        return (frame_html("AHP weights", self.to_frame())
                + f"<p>lambda_max = {self.lambda_max:.4f}, CI = {self.ci:.4f}, "
                  f"CR = {self.cr:.4f}{flag}</p>")


def _pairwise(comparisons: pd.DataFrame | np.ndarray | Mapping[tuple[str, str], float],
              criteria: Sequence[str] | None) -> tuple[np.ndarray, list[str]]:
    if isinstance(comparisons, Mapping):
        names = list(criteria) if criteria is not None else list(
            dict.fromkeys(n for pair in comparisons for n in pair))
        pos = {n: i for i, n in enumerate(names)}
        a = np.ones((len(names), len(names)))
        for (i, j), v in comparisons.items():
            if i not in pos or j not in pos:
                raise ParameterError(f"Comparison ({i!r}, {j!r}) names a criterion outside {names}.")
            if not v > 0:
                raise ParameterError(f"Comparison ({i!r}, {j!r}) must be positive; got {v!r}.")
            a[pos[i], pos[j]], a[pos[j], pos[i]] = float(v), 1.0 / float(v)
        return a, names
    if isinstance(comparisons, pd.DataFrame):
        names = [str(c) for c in comparisons.columns]
        return comparisons.to_numpy(dtype=float), names
    a = np.asarray(comparisons, dtype=float)
    names = list(criteria) if criteria is not None else [f"c{i + 1}" for i in range(a.shape[0])]
    return a, names


def ahp(
    comparisons: pd.DataFrame | np.ndarray | Mapping[tuple[str, str], float],
    criteria: Sequence[str] | None = None,
    *,
    method: Literal["eigenvector", "geometric_mean"] = "eigenvector",
    threshold: float = 0.10,
) -> AHPResult:
    """Weights from Saaty's pairwise comparisons, with the consistency ratio.

    Parameters
    ----------
    comparisons
        A positive reciprocal matrix (``a[i, j]`` = how much more important ``i`` is than
        ``j`` on Saaty's 1-9 scale, ``a[j, i] = 1 / a[i, j]``) as a DataFrame or array, or a
        mapping ``{(i, j): a_ij}`` of the judgements above the diagonal (the rest is
        filled with reciprocals and ones).
    criteria
        Names of the criteria (array or mapping input).
    method
        ``"eigenvector"`` (Saaty's principal eigenvector) or ``"geometric_mean"`` (row
        geometric means, Crawford and Williams 1985); ``lambda_max`` is always the
        principal eigenvalue.
    threshold
        Largest acceptable consistency ratio (Saaty: 0.10).

    Returns
    -------
    AHPResult
        ``to_frame()``: ``criterion, weight``; ``.cr``, ``.consistent``.

    Notes
    -----
    ``CI = (lambda_max - n) / (n - 1)`` and ``CR = CI / RI(n)`` with Saaty's random index
    (:data:`RANDOM_INDEX`, n <= 10). For n <= 2 every reciprocal matrix is consistent and CR
    is 0. A CR above 0.10 means the judgements contradict each other too much to be used
    as they are: revise them, do not average them away.

    References
    ----------
    Saaty, T. L. (1980). *The Analytic Hierarchy Process*. McGraw-Hill.
    Saaty, T. L. (1990). How to make a decision: the analytic hierarchy process.
    *European Journal of Operational Research* 48, 9-26.

    Examples
    --------
    The "choosing a leader" example (experience, education, charisma, age), whose published
    priorities are .547, .127, .270 and .056:

    >>> res = ahp({("experience", "education"): 4, ("experience", "charisma"): 3,
    ...            ("experience", "age"): 7, ("education", "charisma"): 1 / 3,
    ...            ("education", "age"): 3, ("charisma", "age"): 5})
    >>> [round(w, 3) for w in res.weights]
    [0.548, 0.127, 0.27, 0.056]
    >>> round(res.cr, 3), res.consistent
    (0.044, True)
    """
    check_option("method", method, ["eigenvector", "geometric_mean"])
    a, names = _pairwise(comparisons, criteria)
    n = a.shape[0]
    if a.ndim != 2 or a.shape[1] != n or n < 1:
        raise ParameterError(f"`comparisons` must be a square matrix; got shape {a.shape}.")
    if len(names) != n:
        raise ParameterError(f"`criteria` names {len(names)} criteria for a {n}x{n} matrix.")
    if not np.all(np.isfinite(a)) or np.any(a <= 0):
        raise ParameterError("`comparisons` must hold positive finite numbers.")
    bad = np.argwhere(~np.isclose(a * a.T, 1.0, rtol=1e-6))
    if len(bad):
        i, j = bad[0]
        raise ParameterError(
            f"`comparisons` is not reciprocal: a[{names[i]}, {names[j]}] = {a[i, j]:g} but "
            f"a[{names[j]}, {names[i]}] = {a[j, i]:g} (it must be {1 / a[i, j]:g}).")
    if n > max(RANDOM_INDEX):
        raise ParameterError(f"AHP supports at most {max(RANDOM_INDEX)} criteria (Saaty's random "
                             f"index table); got {n}. Group the criteria into a hierarchy.")
    eigval, eigvec = np.linalg.eig(a)
    k = int(np.argmax(eigval.real))
    lambda_max = float(eigval.real[k])
    if method == "eigenvector":
        w = np.abs(eigvec[:, k].real)
    else:
        w = np.exp(np.log(a).mean(axis=1))
    w = w / w.sum()
    ci = (lambda_max - n) / (n - 1) if n > 2 else 0.0
    ci = max(ci, 0.0)
    ri = RANDOM_INDEX[n]
    cr = ci / ri if ri > 0 else 0.0
    frame = pd.DataFrame(a, index=names, columns=names)
    return AHPResult(tuple(names), tuple(float(v) for v in w), lambda_max, float(ci), ri, float(cr),
                     bool(cr <= threshold), method, frame, threshold)
