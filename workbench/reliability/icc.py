"""Intraclass correlations: the six Shrout & Fleiss / McGraw & Wong forms in one table."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse, stats
from scipy.sparse import csgraph
from scipy.sparse import linalg as splinalg

from workbench._deprecation import FrameCompat
from workbench.errors import DataContractError, check_fraction, check_option
from workbench.reliability._long import Cells, cells, require_min
from workbench.reliability._result import Estimate
from workbench.results import ProvenanceMixin, frame_html, short_repr

__all__ = ["ICC", "ICC_FORMS", "icc"]

ICC_FORMS = ["ICC(1,1)", "ICC(2,1)", "ICC(3,1)", "ICC(1,k)", "ICC(2,k)", "ICC(3,k)"]
ICC_COLUMNS = ["icc", "ci_low", "ci_high", "f", "df1", "df2", "pval", "method"]
METHOD_ANOVA = "anova"
METHOD_HENDERSON = "henderson3"
METHOD_ONEWAY = "anova-oneway"


def _components(c: Cells, general: bool = False) -> dict[str, float]:
    """Mean squares and design constants of the one-way and the additive two-way model.

    Complete designs use the textbook ANOVA sums of squares. Incomplete designs use
    Henderson's method III (fitting constants): the subject sum of squares adjusted
    for raters, R(s | mu, r), and the rater sum of squares adjusted for subjects,
    R(r | mu, s), both from the least-squares fit of the additive model with the
    subjects absorbed (a sparse solve on the raters' reduced normal equations).
    """
    y = c.total
    n_obs = y.size
    n, k = c.n_subjects, c.n_raters
    shift = y.mean()  # centring keeps the sums of squares accurate
    if c.grid is not None and not general:
        # complete design, one rating per cell: row and column sums of the dense grid
        yc = c.grid - shift
        n_i = np.full(n, float(k))
        m_j = np.full(k, float(n))
        s_ic = yc.sum(axis=1)
        c_jc = yc.sum(axis=0)
        g = s_ic.sum()
        r_s = float(np.sum(s_ic**2 / n_i))
        r_r = float(np.sum(c_jc**2 / m_j))
        yc = yc.ravel()
        syy = float(yc @ yc)
    else:
        n_i = np.bincount(c.subject, minlength=n).astype(np.float64)
        m_j = np.bincount(c.rater, minlength=k).astype(np.float64)
        s_i = np.bincount(c.subject, weights=y, minlength=n)
        c_j = np.bincount(c.rater, weights=y, minlength=k)
        yc = y - shift
        s_ic = s_i - n_i * shift
        c_jc = c_j - m_j * shift
        g = yc.sum()
        r_s = float(np.sum(s_ic**2 / n_i))
        r_r = float(np.sum(c_jc**2 / m_j))
        syy = float(yc @ yc)
    r_mu = g * g / n_obs
    balanced = n_obs == n * k
    if balanced and not general:
        n_comp = 1
        r_sr = r_s + r_r - r_mu
    else:
        inc = sparse.csr_matrix((np.ones(n_obs), (c.subject, c.rater)), shape=(n, k))
        graph = sparse.bmat([[None, inc], [inc.T, None]], format="csr")
        n_comp, labels = csgraph.connected_components(graph, directed=False)
        cross = (inc.T @ sparse.diags(1.0 / n_i) @ inc).tocsr()
        reduced = (sparse.diags(m_j) - cross).tocsc()
        rhs = c_jc - np.bincount(c.rater, weights=(s_ic / n_i)[c.subject], minlength=k)
        rater_comp = labels[n:]
        # one rater per connected block of the design carries no information: drop it
        _, first = np.unique(rater_comp, return_index=True)
        keep = np.ones(k, dtype=bool)
        keep[first] = False
        if keep.any():
            sub = reduced[keep][:, keep]
            beta = splinalg.spsolve(sub.tocsc(), rhs[keep])
            r_sr = r_s + float(np.atleast_1d(beta) @ rhs[keep])
        else:
            r_sr = r_s
    ss_b = r_s - r_mu
    ss_w = syy - r_s
    df_b, df_w = n - 1, n_obs - n
    ss_e = syy - r_sr
    df_e = n_obs - n - k + n_comp
    df_s, df_r = n - n_comp, k - n_comp
    return {
        "n_obs": n_obs,
        "n": n,
        "k": k,
        "balanced": balanced,
        "components": n_comp,
        "msb": ss_b / df_b,
        "msw": ss_w / df_w if df_w > 0 else np.nan,
        "df_b": df_b,
        "df_w": df_w,
        "ms_s": (r_sr - r_r) / df_s if df_s > 0 else np.nan,
        "ms_r": (r_sr - r_s) / df_r if df_r > 0 else np.nan,
        "mse": ss_e / df_e if df_e > 0 else np.nan,
        "df_s": df_s,
        "df_r": df_r,
        "df_e": df_e,
        # design constants: raters per subject (one-way n0, two-way k3, harmonic k_avg)
        "n0": (n_obs - float(n_i @ n_i) / n_obs) / df_b,
        "k3": (n_obs - k) / df_s if df_s > 0 else np.nan,
        "n2": (n_obs - n) / df_r if df_r > 0 else np.nan,
        "k_avg": n / float(np.sum(1.0 / n_i)),
    }


def _sb(r: Any, k: float) -> Any:
    return k * r / (1 + (k - 1) * r)


def _icc_table(v: dict[str, float], confidence: float) -> pd.DataFrame:
    a = 1 - confidence
    fppf = stats.f.ppf
    f64 = np.float64  # numpy scalars: a zero division gives inf/NaN, not an exception
    msb, msw, ms_s, ms_r, mse = (f64(v[k]) for k in ("msb", "msw", "ms_s", "ms_r", "mse"))
    n0, k3, n2, kk = (f64(v[k]) for k in ("n0", "k3", "n2", "k_avg"))
    df_b, df_w, df_s, df_r, df_e = (f64(v[k]) for k in ("df_b", "df_w", "df_s", "df_r", "df_e"))
    with np.errstate(divide="ignore", invalid="ignore"):
        # one-way random model
        f1 = msb / msw
        icc1 = (msb - msw) / (msb + (n0 - 1) * msw)
        f1l = f1 / fppf(1 - a / 2, df_b, df_w)
        f1u = f1 * fppf(1 - a / 2, df_w, df_b)
        l1, u1 = (f1l - 1) / (f1l + n0 - 1), (f1u - 1) / (f1u + n0 - 1)
        # two-way models: consistency (3) and absolute agreement (2)
        f3 = ms_s / mse
        icc3 = (ms_s - mse) / (ms_s + (k3 - 1) * mse)
        f3l = f3 / fppf(1 - a / 2, df_s, df_e)
        f3u = f3 * fppf(1 - a / 2, df_e, df_s)
        l3, u3 = (f3l - 1) / (f3l + k3 - 1), (f3u - 1) / (f3u + k3 - 1)
        icc2 = (ms_s - mse) / (ms_s + (k3 - 1) * mse + k3 * (ms_r - mse) / n2)
        fj = ms_r / mse
        a2 = k3 * icc2
        b2 = n2 * (1 + (k3 - 1) * icc2) - k3 * icc2
        nu = (a2 * fj + b2) ** 2 / ((a2 * fj) ** 2 / df_r + b2**2 / df_e)
        f2u = fppf(1 - a / 2, df_s, nu)
        f2l = fppf(1 - a / 2, nu, df_s)
        denom = k3 * ms_r + (k3 * n2 - k3 - n2) * mse
        l2 = n2 * (ms_s - f2u * mse) / (f2u * denom + n2 * ms_s)
        u2 = n2 * (f2l * ms_s - mse) / (denom + n2 * f2l * ms_s)
        p1 = stats.f.sf(f1, df_b, df_w)
        p3 = stats.f.sf(f3, df_s, df_e)
    rows = [
        (icc1, l1, u1, f1, df_b, df_w, p1),
        (icc2, l2, u2, f3, df_s, df_e, p3),
        (icc3, l3, u3, f3, df_s, df_e, p3),
        (_sb(icc1, kk), _sb(l1, kk), _sb(u1, kk), f1, df_b, df_w, p1),
        (_sb(icc2, kk), _sb(l2, kk), _sb(u2, kk), f3, df_s, df_e, p3),
        (_sb(icc3, kk), _sb(l3, kk), _sb(u3, kk), f3, df_s, df_e, p3),
    ]
    out = pd.DataFrame(
        [[float(x) for x in r] for r in rows], index=pd.Index(ICC_FORMS, name="form"), columns=ICC_COLUMNS[:-1]
    )
    return out


@dataclass(frozen=True, eq=False, repr=False)
class ICC(FrameCompat, ProvenanceMixin):
    """All six intraclass correlations of one table; see :func:`icc`.

    ``to_frame()``: index ``form`` (``ICC(1,1)`` ... ``ICC(3,k)``), columns ``icc, ci_low,
    ci_high, f, df1, df2, pval, method``. ``form("ICC(1,1)")`` gives one form as an
    :class:`~workbench.reliability.Estimate` (``float()`` is the estimate). ``notes``
    says which forms the design cannot estimate and why.

    Using the result as the DataFrame it used to be (``result["icc"]``, ``result.loc``)
    still works, with a :class:`DeprecationWarning`: call ``.to_frame()`` first.
    """

    table: pd.DataFrame = field(repr=False)
    method: str
    n_subjects: int
    n_raters: int
    n_ratings: int
    k: float
    confidence: float = 0.95
    notes: tuple[str, ...] = ()
    parameters: dict[str, Any] = field(default_factory=dict, repr=False)
    _data: Any = field(default=None, repr=False)
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    _compat_name = "icc result"

    def to_frame(self) -> pd.DataFrame:
        """One row per form: ``icc, ci_low, ci_high, f, df1, df2, pval, method`` (index
        ``form``); ``attrs`` holds ``method, n_subjects, n_raters, n_ratings, k``."""
        out = self.table.copy()
        out.attrs.update(method=self.method, n_subjects=self.n_subjects, n_raters=self.n_raters,
                         n_ratings=self.n_ratings, k=self.k, confidence=self.confidence,
                         parameters=dict(self.parameters))
        return out

    def form(self, name: str = "ICC(1,1)") -> Estimate:
        """One form as an :class:`~workbench.reliability.Estimate` (``float()``: the ICC)."""
        check_option("form", name, ICC_FORMS)
        row = self.table.loc[name]
        return Estimate(coefficient=name, estimate=float(row["icc"]), ci_low=float(row["ci_low"]),
                        ci_high=float(row["ci_high"]), pval=float(row["pval"]),
                        n_subjects=self.n_subjects, n_raters=self.n_raters, method=str(row["method"]),
                        notes=self.notes, parameters={**self.parameters, "form": name},
                        _data=self._data)

    def __repr__(self) -> str:
        forms = ", ".join(f"{f}={v:.3g}" if math.isfinite(v) else f"{f}=nan"
                          for f, v in zip(self.table.index, self.table["icc"], strict=True))
        return short_repr(self)[:-1] + f", {forms})"

    def _repr_html_(self) -> str:
        html = frame_html(f"ICC ({self.method}; {self.n_subjects} subjects, {self.n_raters} raters)",
                          self.table.reset_index())
        return html + "".join(f"<p><em>{n}</em></p>" for n in self.notes)


def icc(
    df: Any,
    subject: str = "employee_id",
    rater: str = "rater_id",
    score: str = "score",
    *,
    confidence: float = 0.95,
) -> ICC:
    """Intraclass correlation coefficients: all six forms, with F tests and CIs.

    Parameters
    ----------
    df
        Long table (pandas or Dask), one row per rating; rows with a missing score are
        missing ratings. One rating per subject x rater cell (filter to one indicator
        first, or average).
    subject, rater, score
        Column names (default: the data contract).
    confidence
        Level of the confidence intervals (default 0.95).

    Returns
    -------
    ICC
        ``.to_frame()``: index ``form``: ``ICC(1,1), ICC(2,1), ICC(3,1), ICC(1,k),
        ICC(2,k), ICC(3,k)``; columns ``icc, ci_low, ci_high, f, df1, df2, pval, method``.
        The result carries ``method``, ``n_subjects``, ``n_raters``, ``k`` (the number of
        ratings the ``k`` forms average), ``n_ratings``, ``notes`` and ``provenance``;
        ``.form("ICC(1,1)")`` is one form as an ``Estimate``. (Until 0.1 this was the
        DataFrame itself; DataFrame-style access still works with a DeprecationWarning.)

    Notes
    -----
    Which form answers which question (Shrout & Fleiss 1979; McGraw & Wong 1996):

    * ``ICC(1,1)`` -- each employee is rated by a *different* set of raters (one-way
      random model; the usual case in 360-degree appraisal, where raters are the
      employee's own supervisor and peers). Reliability of one rating.
    * ``ICC(2,1)`` -- the same raters rate everyone and are a sample of possible
      raters; *absolute agreement*: a lenient rater counts as error (ICC(A,1)). Use
      it when scores are compared with a fixed threshold (predikat cut-offs).
    * ``ICC(3,1)`` -- the raters are the only raters of interest (fixed); *consistency*:
      rater leniency is ignored (ICC(C,1)). Use it when only the ranking matters.
    * ``ICC(.,k)`` -- the same, for the *mean* of ``k`` ratings (Spearman-Brown of the
      single-rating form); use it when the final score is that mean.

    Complete designs (every subject rated by every rater) use the ANOVA mean squares
    and match ``pingouin.intraclass_corr`` and R's ``psych::ICC``. Incomplete designs
    are not reduced to complete cases: the variance components are estimated by
    Henderson's method III (fitting constants; Searle, Casella & McCulloch 1992, ch. 5)
    on the additive model ``score = mu + subject + rater + error``; ``method`` is then
    ``henderson3``. The F tests use the adjusted sums of squares; the CIs use the
    Shrout-Fleiss / McGraw-Wong formulas with the design constants (effective raters
    per subject ``k3``, effective subjects per rater ``n2``, one-way ``n0``) in place of
    ``k`` and ``n``, and are approximate. ``k`` for the average forms is the harmonic
    mean of the number of ratings per subject. Estimates are not truncated at 0.

    **Nested designs.** When every rater rates a single employee (each employee has raters
    of their own, rater ids never shared), raters cannot be separated from error: the
    one-way forms ``ICC(1,·)`` are estimated (the same as ``g_study(...,
    nested={"rater_id": "employee_id"})``) and the two-way forms are NaN, with a note.

    References
    ----------
    Shrout, P. E., & Fleiss, J. L. (1979). Intraclass correlations: uses in assessing
    rater reliability. Psychological Bulletin, 86(2), 420-428.
    McGraw, K. O., & Wong, S. P. (1996). Forming inferences about some intraclass
    correlation coefficients. Psychological Methods, 1(1), 30-46.
    Searle, S. R., Casella, G., & McCulloch, C. E. (1992). Variance Components. Wiley.

    Examples
    --------
    >>> import pandas as pd
    >>> from workbench.reliability import icc
    >>> sf = pd.DataFrame({"employee_id": [t for t in range(6) for _ in range(4)],
    ...                    "rater_id": list("ABCD") * 6,
    ...                    "score": [9, 2, 5, 8, 6, 1, 3, 2, 8, 4, 6, 8,
    ...                              7, 1, 2, 6, 10, 5, 6, 9, 6, 2, 4, 7]})
    >>> icc(sf).to_frame()["icc"].round(2).tolist()
    [0.17, 0.29, 0.71, 0.44, 0.62, 0.91]
    >>> round(float(icc(sf).form("ICC(1,1)")), 2)
    0.17
    """
    check_fraction("confidence", confidence)
    c = cells(df, subject, rater, score, "icc")
    c.require_single("icc")
    fix = "ICC needs several employees, each rated by at least two raters."
    require_min(c.n_subjects, 2, f"subjects ({subject})", "icc", fix)
    require_min(c.n_raters, 2, f"raters ({rater})", "icc", fix)
    v = _components(c)
    if v["df_w"] <= 0:
        raise DataContractError(
            f"`icc` cannot separate subjects from error: every {subject} has a single "
            f"rating. Each {subject} needs ratings from at least two {rater}s."
        )
    notes: list[str] = []
    if v["df_e"] <= 0 or v["df_r"] <= 0:
        # raters nested in subjects (each rater rates one subject): only the one-way model
        for key in ("ms_s", "ms_r", "mse", "k3", "n2", "df_s", "df_r", "df_e"):
            v[key] = np.nan
        notes.append(
            f"Raters are nested in {subject}s (no {rater} rates two of them): the two-way forms "
            "ICC(2,·) and ICC(3,·) cannot separate raters from error and are NaN; ICC(1,·) is "
            "the right form for this design.")
    with np.errstate(all="ignore"):
        out = _icc_table(v, confidence)
    method = METHOD_ANOVA if v["balanced"] else METHOD_HENDERSON
    if notes:
        method = METHOD_ONEWAY
    out["method"] = method
    return ICC(
        table=out,
        method=method,
        n_subjects=int(v["n"]),
        n_raters=int(v["k"]),
        n_ratings=int(v["n_obs"]),
        k=float(v["k_avg"]),
        confidence=confidence,
        notes=tuple(notes),
        parameters={"subject": subject, "rater": rater, "score": score, "confidence": confidence},
        _data=df,
    )
