"""The rubric as frozen data: indicators, dimensions, weight sets, predikat rule, curve.

A :class:`Rubric` is built by :func:`workbench.rubric.load_rubric` from a YAML file
(or a plain ``dict`` of the same shape) and never changes afterwards;
:meth:`Rubric.with_weights` returns a new rubric. Every part is a frozen dataclass, and
the rubric carries a stable content hash of its normalised specification, so two
rubrics with the same content have the same :attr:`Rubric.hash` whatever the file's
layout or comments.

Examples
--------
>>> import workbench as wb
>>> rubric = wb.load_rubric("permenpanrb-6-2022")
>>> rubric.rule
'matrix'
>>> [p.label.id for p in rubric.predikat]
['Sangat Baik', 'Baik', 'Butuh Perbaikan', 'Kurang/Misconduct', 'Sangat Kurang']
>>> len(rubric.hash)
16
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

import pandas as pd

from workbench.results import frame_html

__all__ = [
    "AGGREGATIONS",
    "Assumption",
    "Band",
    "Category",
    "Condition",
    "Curve",
    "CurveConstraint",
    "CurveRow",
    "Dimension",
    "Flag",
    "Indicator",
    "Label",
    "Matrix",
    "Predikat",
    "Rubric",
    "Scale",
    "WeightSet",
]

Lang = Literal["id", "en"]
Aggregation = Literal["weighted_mean", "geometric_mean", "minimum"]
AGGREGATIONS: tuple[str, ...] = ("weighted_mean", "geometric_mean", "minimum")
"""How a dimension combines its indicators."""


@dataclass(frozen=True)
class Label:
    """A bilingual label: Bahasa Indonesia (``id``, the default) and English (``en``)."""

    id: str
    en: str

    def get(self, lang: Lang = "id") -> str:
        """The label in ``lang``."""
        return self.en if lang == "en" else self.id


@dataclass(frozen=True)
class Scale:
    """The range of an indicator or dimension, optionally with labelled levels."""

    min: float
    max: float
    levels: tuple[float, ...] = ()
    labels: tuple[tuple[float, Label], ...] = ()
    measurement: Literal["nominal", "ordinal", "interval", "ratio"] = "interval"

    def label_of(self, level: float, lang: Lang = "id") -> str:
        """The label of a level, or the number as text."""
        for value, label in self.labels:
            if value == level:
                return label.get(lang)
        return f"{level:g}"


@dataclass(frozen=True)
class Applicability:
    """An indicator that applies only to some employees (a roster column in a set)."""

    column: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Indicator:
    """One indicator: what is rated, on which scale, in which dimension."""

    id: str
    label: Label
    dimension: str
    scale: Scale
    measurement: str
    direction: Literal["higher_is_better", "lower_is_better"] = "higher_is_better"
    applies_to: Applicability | None = None


@dataclass(frozen=True)
class Category:
    """A dimension category (e.g. *Di Atas Ekspektasi*) from a lower threshold up."""

    id: str
    label: Label
    min: float | None = None


@dataclass(frozen=True)
class Dimension:
    """A dimension (e.g. hasil kerja) that aggregates its indicators into one score."""

    id: str
    label: Label
    aggregation: Aggregation
    scale: Scale
    indicators: tuple[str, ...]
    categories: tuple[Category, ...] = ()
    missing: Literal["propagate", "renormalise"] = "propagate"


@dataclass(frozen=True)
class WeightSet:
    """A named, complete set of weights.

    ``raters[dimension][role]``: how rater roles combine on the dimension's indicators;
    ``indicators[id]``: weight within its dimension; ``dimensions[id]``: weight in the
    composite (bands rule only).
    """

    name: str
    raters: dict[str, dict[str, float]]
    indicators: dict[str, float]
    dimensions: dict[str, float]


@dataclass(frozen=True)
class Predikat:
    """One predikat (rating category); ``rank`` 0 is the best."""

    id: str
    label: Label
    rank: int


@dataclass(frozen=True)
class Matrix:
    """The predikat as a table of two dimensions' categories."""

    rows: str
    columns: str
    cells: dict[tuple[str, str], str]


@dataclass(frozen=True)
class Band:
    """A band of the composite score that gives one predikat."""

    predikat: str
    min: float
    max: float
    min_inclusive: bool = True
    max_inclusive: bool = False

    def describe(self) -> str:
        """The band as an interval, e.g. ``[76, 91)``."""
        lo = "(-inf" if self.min == float("-inf") else ("[" if self.min_inclusive else "(") + f"{self.min:g}"
        hi = "inf)" if self.max == float("inf") else f"{self.max:g}" + ("]" if self.max_inclusive else ")")
        return f"{lo}, {hi}"


@dataclass(frozen=True)
class Condition:
    """Upgrade ``replaces`` to ``predikat`` when the composite >= ``min`` and ``flag`` holds."""

    predikat: str
    replaces: str
    min: float
    flag: str


@dataclass(frozen=True)
class Flag:
    """A yes/no fact per employee, read from a roster column and/or an indicator (> 0)."""

    id: str
    label: Label
    roster_column: str | None = None
    indicator: str | None = None


@dataclass(frozen=True)
class CurveConstraint:
    """Counts of the predikat in ``predikat`` (summed) must respect min/max shares."""

    predikat: tuple[str, ...]
    min: float | None = None
    max: float | None = None
    present: bool = False


@dataclass(frozen=True)
class CurveRow:
    """The constraints that apply to a unit with one Predikat Kinerja Organisasi."""

    id: str
    label: Label
    constraints: tuple[CurveConstraint, ...]


@dataclass(frozen=True)
class Curve:
    """The distribution curve: one row of constraints per organisation rating."""

    rows: dict[str, CurveRow]
    aliases: dict[str, str]


@dataclass(frozen=True)
class Assumption:
    """An uncertain rule written down as an editable assumption."""

    id: str
    text: str
    confidence: str
    key: str


@dataclass(frozen=True, eq=False)
class Rubric:
    """An immutable appraisal rubric.

    Attributes
    ----------
    id, version, label
        Identity of the rubric.
    indicators, dimensions
        The indicators and the dimensions they roll up into, in file order.
    weights
        Named :class:`WeightSet` objects; ``"baseline"`` always exists.
    predikat
        The predikat, best first.
    rule
        ``"matrix"`` (categories of two dimensions) or ``"bands"`` (a composite score).
    matrix, bands, conditions, flags
        The parts of the rule.
    curve
        The distribution curve, or ``None``.
    assumptions
        Uncertain rules, each with the key it affects.
    spec
        The normalised specification (plain data) the rubric was built from.
    file
        The YAML file, when there was one.
    """

    id: str
    version: str
    label: Label
    indicators: tuple[Indicator, ...]
    dimensions: tuple[Dimension, ...]
    weights: dict[str, WeightSet]
    predikat: tuple[Predikat, ...]
    rule: Literal["matrix", "bands"]
    matrix: Matrix | None
    bands: tuple[Band, ...]
    conditions: tuple[Condition, ...]
    flags: tuple[Flag, ...]
    composite_label: Label | None
    curve: Curve | None
    assumptions: tuple[Assumption, ...]
    spec: dict[str, Any] = field(repr=False)
    file: str | None = None

    # -- identity ------------------------------------------------------------------
    @cached_property
    def hash(self) -> str:
        """A stable 16-hex-digit hash of the normalised specification (computed once per
        rubric: a rubric is not changed once built, and the what-if keys every step by it)."""
        text = json.dumps(self.spec, sort_keys=True, default=str, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Rubric) and other.hash == self.hash

    def __hash__(self) -> int:
        return hash(self.hash)

    # -- lookups -------------------------------------------------------------------
    def indicator(self, indicator_id: str) -> Indicator:
        """The indicator with this id."""
        return next(i for i in self.indicators if i.id == indicator_id)

    def dimension(self, dimension_id: str) -> Dimension:
        """The dimension with this id."""
        return next(d for d in self.dimensions if d.id == dimension_id)

    def predikat_label(self, predikat_id: str, lang: Lang = "id") -> str:
        """The label of a predikat id."""
        return next(p.label.get(lang) for p in self.predikat if p.id == predikat_id)

    # -- derivation ----------------------------------------------------------------
    def with_weights(
        self,
        name: str = "custom",
        *,
        base: str = "baseline",
        raters: dict[str, float] | None = None,
        dimension_raters: dict[str, dict[str, float]] | None = None,
        indicators: dict[str, float] | None = None,
        dimensions: dict[str, float] | None = None,
        normalize: bool = False,
    ) -> Rubric:
        """Return a new rubric with a weight set ``name`` derived from ``base``.

        Parameters
        ----------
        name
            Name of the new (or replaced) weight set.
        base
            The weight set whose sections are copied where no override is given.
        raters, dimension_raters, indicators, dimensions
            Overrides: rater-role weights (all dimensions), per-dimension rater weights,
            indicator weights (within their dimension; unnamed indicators keep the base
            weight), dimension weights of the composite.
        normalize
            Rescale each group of weights to sum to 1 instead of requiring it.

        Returns
        -------
        Rubric
            A new, validated rubric; ``self`` is unchanged. A weight that does not sum
            to 1, or names an unknown indicator, raises :class:`RubricError`.

        Examples
        --------
        >>> import workbench as wb
        >>> pp30 = wb.load_rubric("pp-30-2019")
        >>> alt = pp30.with_weights("setara", dimensions={"skp": 0.5, "perilaku": 0.5})
        >>> alt.weights["setara"].dimensions
        {'skp': 0.5, 'perilaku': 0.5}
        >>> alt.hash != pp30.hash, "setara" in pp30.weights
        (True, False)
        """
        from workbench.rubric.load import rubric_from_spec

        spec = copy.deepcopy(self.spec)
        spec_weights = spec.setdefault("weights", {})
        if base not in spec_weights:
            from workbench.errors import RubricError

            raise RubricError(f"No weight set '{base}' to derive from; available: "
                              f"{', '.join(spec_weights)}.", key=f"weights.{base}")
        ws = copy.deepcopy(spec_weights[base])
        if raters is not None:
            ws["raters"] = dict(raters)
        if dimension_raters is not None:
            ws["dimension_raters"] = {**ws.get("dimension_raters", {}), **dimension_raters}
        if indicators is not None:
            full = dict(self.weights[base].indicators)
            full.update(indicators)
            ws["indicators"] = full
        if dimensions is not None:
            ws["dimensions"] = dict(dimensions)
        if normalize:
            ws = _normalized(ws, self)
        spec_weights[name] = ws
        return rubric_from_spec(spec, file=None)

    def with_thresholds(
        self,
        categories: dict[str, dict[str, float]] | None = None,
        bands: dict[str, float] | None = None,
    ) -> Rubric:
        """Return a new rubric with other thresholds to categories or predikat.

        Parameters
        ----------
        categories
            ``{dimension id: {category id: lower threshold}}``: the ``min`` of a dimension
            category (e.g. ``{"hasil_kerja": {"sesuai": 80, "di_atas": 105}}`` in
            ``permenpanrb-6-2022-rinci``). The first (lowest) category has no threshold.
        bands
            ``{predikat id: lower bound}`` of a band of the composite (bands rubrics such
            as ``pp-30-2019``); the band below it ends where this one now starts, so the
            bands stay contiguous.

        Returns
        -------
        Rubric
            A new rubric, validated exactly like a YAML file (thresholds must increase and
            lie inside the dimension's scale, bands may not overlap or leave gaps);
            ``self`` is unchanged. Any problem raises :class:`~workbench.errors.RubricError`
            naming the key, with a "did you mean" for a misspelt id.

        Examples
        --------
        >>> import workbench as wb
        >>> rinci = wb.load_rubric("permenpanrb-6-2022-rinci")
        >>> strict = rinci.with_thresholds(categories={"perilaku_kerja": {"di_atas": 4.0}})
        >>> [c.min for c in strict.dimension("perilaku_kerja").categories]
        [None, 2.0, 4.0]
        >>> [c.min for c in rinci.dimension("perilaku_kerja").categories], strict.hash != rinci.hash
        ([None, 2.0, 3.75], True)
        >>> pp30 = wb.load_rubric("pp-30-2019").with_thresholds(bands={"baik": 85})
        >>> [(b.predikat, b.min, b.max) for b in pp30.bands][2:]
        [('cukup', 70.0, 85.0), ('baik', 85.0, 120.0)]
        """
        import difflib

        from workbench.errors import RubricError
        from workbench.rubric.load import rubric_from_spec

        def unknown(what: str, value: str, known: list[str], key: str) -> RubricError:
            close = difflib.get_close_matches(value, known, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else f" Known: {', '.join(known)}."
            return RubricError(f"Unknown {what} '{value}'.{hint}", key=key, file=self.file)

        spec = copy.deepcopy(self.spec)
        for dim_id, cats in (categories or {}).items():
            dims = {str(d.get("id")): d for d in spec.get("dimensions", [])}
            if dim_id not in dims:
                raise unknown("dimension", dim_id, list(dims), "dimensions")
            spec_cats = {str(c.get("id")): c for c in dims[dim_id].get("categories", [])}
            for cat_id, low in cats.items():
                key = f"dimensions.{dim_id}.categories.{cat_id}"
                if cat_id not in spec_cats:
                    raise unknown(f"category of '{dim_id}'", cat_id, list(spec_cats), key)
                if "min" not in spec_cats[cat_id]:
                    raise RubricError("The first (lowest) category takes every score below the next "
                                      "threshold and has none to set; set the next category's.", key=key,
                                      file=self.file)
                value = _number(low, key, self.file)
                if spec_cats[cat_id]["min"] != value:  # an unchanged threshold keeps the hash
                    spec_cats[cat_id]["min"] = value
        if bands:
            if self.rule != "bands":
                raise RubricError(f"Rubric '{self.id}' has no bands (its rule is '{self.rule}'); set "
                                  "`categories=` thresholds instead.", key="predikat.bands", file=self.file)
            spec_bands = spec["predikat"]["bands"]
            ids = [str(b["predikat"]) for b in spec_bands]
            for pid, low in bands.items():
                if pid not in ids:
                    raise unknown("predikat band", pid, ids, "predikat.bands")
                i = ids.index(pid)
                value = _number(low, f"predikat.bands.{i}.min", self.file)
                old = spec_bands[i].get("min")
                if old == value:
                    continue
                spec_bands[i]["min"] = value
                if i > 0 and old is not None and spec_bands[i - 1].get("max") == old:
                    spec_bands[i - 1]["max"] = value
        return rubric_from_spec(spec, file=None)

    # -- presentation --------------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        """One row per indicator: ``indicator, label, dimension, scale_min, scale_max,
        measurement, direction, weight`` (baseline weight within the dimension)."""
        base = self.weights["baseline"]
        return pd.DataFrame(
            {
                "indicator": [i.id for i in self.indicators],
                "label": [i.label.id for i in self.indicators],
                "dimension": [i.dimension for i in self.indicators],
                "scale_min": [i.scale.min for i in self.indicators],
                "scale_max": [i.scale.max for i in self.indicators],
                "measurement": [i.measurement for i in self.indicators],
                "direction": [i.direction for i in self.indicators],
                "weight": [base.indicators.get(i.id, 0.0) for i in self.indicators],
            }
        )

    def assumptions_frame(self) -> pd.DataFrame:
        """The assumptions: ``id, confidence, key, text``."""
        return pd.DataFrame(
            [(a.id, a.confidence, a.key, a.text) for a in self.assumptions],
            columns=["id", "confidence", "key", "text"],
        )

    def __repr__(self) -> str:
        return (f"Rubric(id={self.id!r}, version={self.version!r}, rule={self.rule!r}, "
                f"indicators={len(self.indicators)}, weights={list(self.weights)}, hash={self.hash!r})")

    def _repr_html_(self) -> str:
        title = f"Rubric {self.id} {self.version}: {self.label.id}"
        return frame_html(title, self.to_frame(), max_rows=40)


def _normalized(ws: dict[str, Any], rubric: Rubric) -> dict[str, Any]:
    """Rescale every weight group of a weight-set spec to sum to 1."""

    def scale(d: dict[str, float]) -> dict[str, float]:
        total = sum(float(v) for v in d.values())
        return {k: float(v) / total for k, v in d.items()} if total > 0 else dict(d)

    out = dict(ws)
    for key in ("raters", "dimensions"):
        if key in out:
            out[key] = scale(out[key])
    if "dimension_raters" in out:
        out["dimension_raters"] = {k: scale(v) for k, v in out["dimension_raters"].items()}
    if "indicators" in out:
        weights = {k: float(v) for k, v in out["indicators"].items()}
        for dim in rubric.dimensions:
            members = [i for i in dim.indicators if i in weights]
            total = sum(weights[i] for i in members)
            if total > 0:
                for i in members:
                    weights[i] /= total
        out["indicators"] = weights
    return out


def _number(value: Any, key: str, file: str | None) -> float:
    """A threshold given in Python, checked like a number in the YAML file."""
    from workbench.errors import RubricError

    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise RubricError(f"Expected a number here, got {value!r}.", key=key, file=file)
    return float(value)
