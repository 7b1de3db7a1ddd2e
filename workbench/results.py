"""Shared pieces of result objects: provenance and the HTML representation.

Results are frozen dataclasses with ``.to_frame()`` (fixed columns, no arrays in
cells), ``_repr_html_()`` and ``.provenance``. This module holds what they share.

Examples
--------
>>> import pandas as pd
>>> p = Provenance.build(pd.DataFrame({"a": [1, 2]}), parameters={"level": "interval"})
>>> p.parameters["level"]
'interval'
>>> len(p.data_hash)
16
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any

import pandas as pd

__all__ = ["DEFAULT_N_BOOT", "Provenance", "ProvenanceMixin", "data_hash", "frame_html", "short_repr"]

DEFAULT_N_BOOT = 1000
"""The one default of ``n_boot`` (bootstrap resamples) across the workbench.

Policy: every function whose interval *is* a bootstrap interval takes ``n_boot`` and
``seed`` and resamples 1000 times by default (percentile intervals at 95 % need about
1000 resamples to be stable to the second decimal; Efron & Tibshirani 1993, ch. 19).
``n_boot=0`` skips the bootstrap (point estimate only). Where an analytic interval
exists and the bootstrap is an optional extra (``kendall_w``), the default is 0."""


def data_hash(df: Any) -> str:
    """Return a short, order-sensitive hash of a DataFrame's content.

    A Dask DataFrame (or anything that is not a pandas DataFrame) is hashed by its
    type and column names only, so that hashing never forces a computation.
    """
    if isinstance(df, pd.DataFrame):
        values = pd.util.hash_pandas_object(df, index=False).to_numpy()
        digest = hashlib.sha256(values.tobytes())
        digest.update(",".join(map(str, df.columns)).encode())
    else:
        digest = hashlib.sha256(f"{type(df).__name__}:{list(getattr(df, 'columns', []))}".encode())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Provenance:
    """Where a result came from, so that it can be replayed.

    Attributes
    ----------
    data_hash
        Hash of the input table (see :func:`data_hash`).
    parameters
        The arguments of the call that produced the result.
    rubric_id, rubric_hash
        The rubric used, when there was one.
    version
        The workbench version.
    created
        UTC time stamp, ISO 8601.
    """

    data_hash: str
    parameters: dict[str, Any] = field(default_factory=dict)
    rubric_id: str | None = None
    rubric_hash: str | None = None
    version: str = ""
    created: str = ""

    @classmethod
    def build(
        cls,
        data: Any,
        parameters: dict[str, Any] | None = None,
        rubric_id: str | None = None,
        rubric_hash: str | None = None,
    ) -> Provenance:
        """Build a provenance record for ``data`` and the call's ``parameters``."""
        from workbench import __version__

        return cls(
            data_hash=data_hash(data),
            parameters=dict(parameters or {}),
            rubric_id=rubric_id,
            rubric_hash=rubric_hash,
            version=__version__,
            created=datetime.now(UTC).isoformat(timespec="seconds"),
        )


class ProvenanceMixin:
    """The ``provenance`` property of a result object, written once.

    A result class (a frozen dataclass) inherits it and holds ``parameters`` (the call's
    arguments), ``_data`` (the input table) and, to memoise, a ``_cache`` dict. The rubric
    is found on ``rubric`` / ``_rubric`` (its ``id`` and ``hash``), on ``rubric_id`` /
    ``rubric_hash`` attributes, or in ``parameters``. A subclass that hashes something
    other than ``_data`` overrides :meth:`_provenance_data`.
    """

    def _provenance_data(self) -> Any:
        return getattr(self, "_data", None)

    def _provenance_parameters(self) -> dict[str, Any] | None:
        return getattr(self, "parameters", None)

    def _provenance_rubric(self) -> tuple[str | None, str | None]:
        for attr in ("rubric", "_rubric"):
            rubric = getattr(self, attr, None)
            if rubric is not None and hasattr(rubric, "hash"):
                return str(rubric.id), str(rubric.hash)
        rid, rhash = getattr(self, "rubric_id", None), getattr(self, "rubric_hash", None)
        params = getattr(self, "parameters", None) or {}
        rid = rid if rid is not None else params.get("rubric_id")
        rhash = rhash if rhash is not None else params.get("rubric_hash")
        return (None if rid is None else str(rid)), (None if rhash is None else str(rhash))

    @property
    def provenance(self) -> Provenance:
        """Data hash, rubric id and hash, parameters and version (built on first access,
        from the input as it is at that moment)."""
        cache = getattr(self, "_cache", None)
        if isinstance(cache, dict) and "provenance" in cache:
            return cache["provenance"]
        rid, rhash = self._provenance_rubric()
        out = Provenance.build(self._provenance_data(), parameters=self._provenance_parameters(),
                               rubric_id=rid, rubric_hash=rhash)
        if isinstance(cache, dict):
            cache["provenance"] = out
        return out


def frame_html(title: str, frame: pd.DataFrame, max_rows: int = 20) -> str:
    """Render a titled table for ``_repr_html_``."""
    body = frame.head(max_rows).to_html(index=False, float_format=lambda x: f"{x:.4g}")
    more = "" if len(frame) <= max_rows else f"<p>… {len(frame) - max_rows} more rows</p>"
    return f"<div><strong>{title}</strong>{body}{more}</div>"


def _short(value: Any) -> str:
    if isinstance(value, float) and math.isfinite(value):
        return f"{value:.4g}"
    return repr(value)


def short_repr(obj: Any) -> str:
    """A dataclass's repr with floats to 4 significant digits.

    Results are shown in notebooks that CI re-runs on other machines, where the
    last digits of a float may differ; a rounded repr keeps the stored output stable.

    Examples
    --------
    >>> from dataclasses import dataclass
    >>> @dataclass
    ... class R:
    ...     estimate: float
    ...     n: int
    >>> short_repr(R(0.7210472416256286, 12))
    'R(estimate=0.721, n=12)'
    """
    parts = [f"{f.name}={_short(getattr(obj, f.name))}" for f in fields(obj) if f.repr]
    return f"{type(obj).__name__}({', '.join(parts)})"
