"""Read and validate a rubric YAML file (or preset) into a frozen :class:`Rubric`.

Every mistake raises :class:`~workbench.errors.RubricError` naming the file, the line
and the dotted key, and saying how to fix it: weights that do not sum to 1, an unknown
indicator, dimension, category or predikat, thresholds that overlap, leave a gap or do
not increase, a matrix with a missing cell, an unknown key (with a "did you mean").

Examples
--------
>>> import workbench as wb
>>> sorted(list_presets())[:2]
['permenpanrb-6-2022', 'permenpanrb-6-2022-rinci']
>>> wb.load_rubric("pp-46-2011").weights["baseline"].dimensions
{'skp': 0.6, 'perilaku': 0.4}
"""

from __future__ import annotations

import difflib
import math
from importlib import resources
from pathlib import Path
from typing import Any

from workbench.data.contract import RATER_ROLES
from workbench.errors import RubricError
from workbench.rubric._yaml import Context, LineDict, Node, parse_yaml, plain
from workbench.rubric.model import (
    AGGREGATIONS,
    Applicability,
    Assumption,
    Band,
    Category,
    Condition,
    Curve,
    CurveConstraint,
    CurveRow,
    Dimension,
    Flag,
    Indicator,
    Label,
    Matrix,
    Predikat,
    Rubric,
    Scale,
    WeightSet,
)

__all__ = ["list_presets", "load_rubric", "rubric_from_spec"]

_TOP = ("id", "version", "label", "description", "sources", "assumptions", "scales", "indicators",
        "dimensions", "weights", "predikat", "flags", "curve", "notes")
_TOL = 1e-6


def list_presets() -> list[str]:
    """The ids of the bundled preset rubrics."""
    folder = resources.files("workbench.rubric") / "presets"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def load_rubric(id_or_path: str | Path) -> Rubric:
    """Load a rubric: a preset id (see :func:`list_presets`) or a path to a YAML file.

    Parameters
    ----------
    id_or_path
        ``"permenpanrb-6-2022"``, ``"permenpanrb-6-2022-rinci"``, ``"pp-30-2019"``,
        ``"pp-46-2011"``, or the path of a YAML file (e.g. an edited copy of a preset).

    Returns
    -------
    Rubric
        The validated, immutable rubric.

    Raises
    ------
    RubricError
        The file is missing, is not YAML, or is inconsistent; the message names the
        file, line and key.

    Examples
    --------
    >>> import workbench as wb
    >>> rubric = wb.load_rubric("permenpanrb-6-2022")
    >>> rubric.id, [d.id for d in rubric.dimensions]
    ('permenpanrb-6-2022', ['hasil_kerja', 'perilaku_kerja'])
    """
    text_id = str(id_or_path)
    path = Path(text_id)
    if not (path.suffix in (".yaml", ".yml") or path.exists()):
        presets = list_presets()
        if text_id not in presets:
            close = difflib.get_close_matches(text_id, presets, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            raise RubricError(f"No preset rubric '{text_id}' and no such file.{hint} "
                              f"Presets: {', '.join(presets)}; or pass the path of a YAML file.")
        resource = resources.files("workbench.rubric") / "presets" / f"{text_id}.yaml"
        return rubric_from_text(resource.read_text(encoding="utf-8"), file=f"presets/{text_id}.yaml")
    if not path.is_file():
        raise RubricError(f"Rubric file not found: {path}. Check the path, or pass a preset id "
                          f"({', '.join(list_presets())}).", file=str(path))
    return rubric_from_text(path.read_text(encoding="utf-8"), file=str(path))


def rubric_from_text(text: str, file: str | None = None) -> Rubric:
    """Parse and validate rubric YAML text."""
    data = parse_yaml(text, file=file)
    return _build(Node(data, "", 1, Context(file)), file)


def rubric_from_spec(spec: dict[str, Any], file: str | None = None) -> Rubric:
    """Validate a rubric given as plain data (the same shape as the YAML)."""
    return _build(Node(spec, "", None, Context(file)), file)


# -- pieces ------------------------------------------------------------------------------
def _label(node: Node) -> Label:
    if isinstance(node.value, str):
        return Label(node.value, node.value)
    node.allowed(("id", "en"))
    return Label(node.child("id").text(), node.child("en").text())


def _scale(node: Node) -> Scale:
    node.allowed(("min", "max", "levels", "labels", "measurement"))
    lo, hi = node.child("min").number(), node.child("max").number()
    if not lo < hi:
        node.fail(f"The scale's min ({lo:g}) must be below its max ({hi:g}).", key="min")
    levels: tuple[float, ...] = ()
    if node.has("levels"):
        levels = tuple(e.number() for e in node.child("levels").elements())
        if list(levels) != sorted(set(levels)) or not all(lo <= v <= hi for v in levels):
            node.fail("Levels must be distinct, increasing and inside [min, max].", key="levels")
    labels = []
    if node.has("labels"):
        for key, sub in node.child("labels").items():
            if isinstance(key, bool) or not isinstance(key, int | float) or (levels and key not in levels):
                sub.fail(f"Label for unknown level {key!r}; label one of the levels {list(levels)}.")
            labels.append((float(key), _label(sub)))
    measurement = node.child("measurement", "interval").choice(("nominal", "ordinal", "interval", "ratio"))
    return Scale(lo, hi, levels, tuple(labels), measurement)  # type: ignore[arg-type]


def _indicators(root: Node, scales: dict[str, Scale], dims: set[str]) -> tuple[Indicator, ...]:
    out: list[Indicator] = []
    for node in root.child("indicators").elements():
        node.allowed(("id", "label", "dimension", "scale", "measurement", "direction", "applies_to"))
        ind_id = node.child("id").text()
        if any(i.id == ind_id for i in out):
            node.fail(f"Indicator '{ind_id}' is defined twice; give each indicator a unique id.", key="id")
        s = node.child("scale")
        scale = scales[s.ref(scales, "scale")] if isinstance(s.value, str) else _scale(s)
        applies = None
        if node.has("applies_to"):
            a = node.child("applies_to")
            a.allowed(("column", "values"))
            applies = Applicability(a.child("column").text(), tuple(e.text() for e in a.child("values").elements()))
        out.append(Indicator(
            id=ind_id,
            label=_label(node.child("label")),
            dimension=node.child("dimension").ref(dims, "dimension"),
            scale=scale,
            measurement=node.child("measurement", scale.measurement).choice(
                ("nominal", "ordinal", "interval", "ratio")),
            direction=node.child("direction", "higher_is_better").choice(  # type: ignore[arg-type]
                ("higher_is_better", "lower_is_better")),
            applies_to=applies,
        ))
    if not out:
        root.fail("A rubric needs at least one indicator.", key="indicators")
    return tuple(out)


def _dimensions(root: Node, scales: dict[str, Scale]) -> list[tuple[Node, dict[str, Any]]]:
    raw = []
    for node in root.child("dimensions").elements():
        node.allowed(("id", "label", "aggregation", "scale", "categories", "missing"))
        raw.append((node, {"id": node.child("id").text()}))
    return raw


def _dimension(node: Node, members: list[Indicator], scales: dict[str, Scale]) -> Dimension:
    dim_id = node.child("id").text()
    if not members:
        node.fail(f"Dimension '{dim_id}' has no indicators; set `dimension: {dim_id}` on at least one.")
    if node.has("scale"):
        s = node.child("scale")
        scale = scales[s.ref(scales, "scale")] if isinstance(s.value, str) else _scale(s)
    else:
        ranges = {(i.scale.min, i.scale.max) for i in members}
        if len(ranges) > 1:
            node.fail(f"The indicators of '{dim_id}' have different scales {sorted(ranges)}; give the "
                      "dimension a `scale:` to rescale them onto.", key="id")
        scale = members[0].scale
    aggregation = node.child("aggregation", "weighted_mean").choice(AGGREGATIONS)
    if aggregation == "geometric_mean" and scale.min < 0:
        node.fail("A geometric mean needs a scale without negative values.", key="aggregation")
    cats: list[Category] = []
    if node.has("categories"):
        for c in node.child("categories").elements():
            c.allowed(("id", "label", "min"))
            low = c.child("min").number() if c.has("min") else None
            if not cats and low is not None:
                c.fail("The first (lowest) category takes every score below the next threshold; "
                       "remove its `min`.", key="min")
            if cats and low is None:
                c.fail("Every category after the first needs a `min` threshold.", key="id")
            if low is not None:
                prev = cats[-1].min
                if prev is not None and not low > prev:
                    c.fail(f"Thresholds must increase: min {low:g} is not above the previous "
                           f"category's min {prev:g} (they overlap).", key="min")
                if not scale.min < low <= scale.max:
                    c.fail(f"Threshold {low:g} lies outside the scale {scale.min:g}-{scale.max:g}; "
                           "no score could fall on both sides of it.", key="min")
            cats.append(Category(c.child("id").text(), _label(c.child("label")), low))
        if len(cats) < 2:
            node.fail("Give at least two categories, or none.", key="categories")
    missing = node.child("missing", "propagate").choice(("propagate", "renormalise"))
    return Dimension(dim_id, _label(node.child("label")), aggregation, scale,  # type: ignore[arg-type]
                     tuple(i.id for i in members), tuple(cats), missing)  # type: ignore[arg-type]


def _weight_map(node: Node, known: Any, what: str, *, require_sum: bool = True) -> dict[str, float]:
    out: dict[str, float] = {}
    for key, sub in node.items():
        Node(key, sub.path, sub.line, sub.ctx).ref(known, what)
        w = sub.number()
        if w < 0 or math.isnan(w):
            sub.fail(f"Weight {w:g} is negative; weights must be 0 or more.")
        out[str(key)] = w
    if require_sum and abs(sum(out.values()) - 1) > _TOL:
        node.fail(f"The weights sum to {sum(out.values()):.6g}, not 1; adjust them so that they add up "
                  "to 1 (or use rubric.with_weights(..., normalize=True)).")
    return out


def _weights(root: Node, indicators: tuple[Indicator, ...], dims: tuple[Dimension, ...],
             need_dims: bool) -> dict[str, WeightSet]:
    node = root.child("weights")
    if not node.has("baseline"):
        node.fail("Missing weight set 'baseline'; every rubric needs one.")
    base_spec = node.child("baseline").mapping()
    dim_ids = [d.id for d in dims]
    out: dict[str, WeightSet] = {}
    for name, ws in node.items():
        ws.allowed(("raters", "dimension_raters", "indicators", "dimensions", "description"))

        def section(key: str, ws: Node = ws) -> Node | None:
            if ws.has(key):
                return ws.child(key)
            if key in base_spec:
                return node.child("baseline").child(key)
            return None

        r = section("raters")
        default = _weight_map(r, RATER_ROLES, "rater role") if r is not None else {"atasan": 1.0}
        raters = {d: dict(default) for d in dim_ids}
        dr = section("dimension_raters")
        if dr is not None:
            for dim, sub in dr.items():
                Node(dim, sub.path, sub.line, sub.ctx).ref(dim_ids, "dimension")
                raters[str(dim)] = _weight_map(sub, RATER_ROLES, "rater role")
        ind_node = section("indicators")
        if ind_node is not None:
            ind_w = _weight_map(ind_node, [i.id for i in indicators], "indicator", require_sum=False)
            for d in dims:
                absent = [i for i in d.indicators if i not in ind_w]
                if absent:
                    ind_node.fail(f"Indicator weights must name every indicator of dimension '{d.id}'; "
                                  f"missing: {', '.join(absent)}.")
                total = sum(ind_w[i] for i in d.indicators)
                if abs(total - 1) > _TOL:
                    ind_node.fail(f"The weights of dimension '{d.id}' sum to {total:.6g}, not 1; adjust "
                                  "them so that they add up to 1.")
        else:
            ind_w = {i: 1 / len(d.indicators) for d in dims for i in d.indicators}
        dn = section("dimensions")
        dim_w = _weight_map(dn, dim_ids, "dimension") if dn is not None else {}
        if need_dims:
            if dn is None:
                ws.fail("The bands rule needs dimension weights: add `dimensions:` to this weight set.")
            absent = [d for d in dim_ids if d not in dim_w]
            if absent:
                dn.fail(f"Dimension weights must name every dimension; missing: {', '.join(absent)}.")
        out[str(name)] = WeightSet(str(name), raters, ind_w, dim_w)
    return out


def _predikat(root: Node) -> tuple[Node, tuple[Predikat, ...]]:
    node = root.child("predikat")
    node.allowed(("labels", "rule", "matrix", "bands", "conditions", "composite_label"))
    out: list[Predikat] = []
    for i, p in enumerate(node.child("labels").elements()):
        p.allowed(("id", "label"))
        pid = p.child("id").text()
        if any(q.id == pid for q in out):
            p.fail(f"Predikat '{pid}' is listed twice.", key="id")
        out.append(Predikat(pid, _label(p.child("label")), i))
    return node, tuple(out)


def _matrix(node: Node, dims: tuple[Dimension, ...], pred_ids: list[str]) -> Matrix:
    node.allowed(("rows", "columns", "cells"))
    with_cats = [d.id for d in dims if d.categories]
    rows = node.child("rows").ref(with_cats, "dimension with categories")
    cols = node.child("columns").ref(with_cats, "dimension with categories")
    if rows == cols:
        node.fail("Rows and columns must be two different dimensions.", key="columns")
    row_cats = [c.id for c in next(d for d in dims if d.id == rows).categories]
    col_cats = [c.id for c in next(d for d in dims if d.id == cols).categories]
    cells_node = node.child("cells")
    cells: dict[tuple[str, str], str] = {}
    for rkey, rnode in cells_node.items():
        Node(rkey, rnode.path, rnode.line, rnode.ctx).ref(row_cats, f"category of '{rows}'")
        for ckey, cnode in rnode.items():
            Node(ckey, cnode.path, cnode.line, cnode.ctx).ref(col_cats, f"category of '{cols}'")
            cells[(str(rkey), str(ckey))] = cnode.ref(pred_ids, "predikat")
    for r in row_cats:
        for c in col_cats:
            if (r, c) not in cells:
                where = cells_node.child(r) if cells_node.has(r) else cells_node
                where.fail(f"The matrix has no cell for {rows} '{r}' x {cols} '{c}'; every combination "
                           "of categories needs a predikat.")
    return Matrix(rows, cols, cells)


def _bands(node: Node, pred_ids: list[str], lo: float, hi: float) -> tuple[Band, ...]:
    bands: list[tuple[Node, Band]] = []
    inf = float("inf")
    for b in node.elements():
        b.allowed(("predikat", "min", "max", "min_inclusive", "max_inclusive"))
        band = Band(
            predikat=b.child("predikat").ref(pred_ids, "predikat"),
            min=b.child("min").number() if b.has("min") else -inf,
            max=b.child("max").number() if b.has("max") else inf,
            min_inclusive=b.child("min_inclusive", True).boolean(),
            max_inclusive=b.child("max_inclusive", False).boolean(),
        )
        if not band.min < band.max:
            b.fail(f"The band's min ({band.min:g}) must be below its max ({band.max:g}).", key="min")
        bands.append((b, band))
    if not bands:
        node.fail("Give at least one band.")
    for (_, prev), (b, cur) in zip(bands, bands[1:], strict=False):
        if cur.min < prev.min:
            b.fail(f"Bands must be listed from low to high; min {cur.min:g} comes after a band that "
                   f"starts at {prev.min:g} (not monotonic).", key="min")
        if cur.min < prev.max or (cur.min == prev.max and cur.min_inclusive and prev.max_inclusive):
            b.fail(f"Band {cur.describe()} ({cur.predikat}) overlaps the band before it, {prev.describe()} "
                   f"({prev.predikat}); make the previous max equal to this min and include the "
                   "boundary in exactly one band.", key="min")
        if cur.min > prev.max or (cur.min == prev.max and not cur.min_inclusive and not prev.max_inclusive):
            b.fail(f"Gap between {prev.describe()} ({prev.predikat}) and {cur.describe()} "
                   f"({cur.predikat}): scores there get no predikat; close the gap.", key="min")
    first, last = bands[0][1], bands[-1][1]
    if first.min > lo or (first.min == lo and not first.min_inclusive):
        bands[0][0].fail(f"Scores from {lo:g} up to {first.min:g} fall in no band; lower this min or "
                         "remove it.", key="min")
    if last.max < hi or (last.max == hi and not last.max_inclusive):
        bands[-1][0].fail(f"Scores up to the scale's maximum {hi:g} fall in no band; raise this max, set "
                          "max_inclusive: true, or remove the max.", key="max")
    return tuple(b for _, b in bands)


def _curve(node: Node, pred_ids: list[str]) -> Curve:
    node.allowed(("rows", "aliases", "source"))
    rows: dict[str, CurveRow] = {}
    for rid, rnode in node.child("rows").items():
        rnode.allowed(("label", "constraints"))
        cons = []
        for c in rnode.child("constraints").elements():
            c.allowed(("predikat", "min", "max", "present"))
            p = c.child("predikat")
            preds = (p.ref(pred_ids, "predikat"),) if isinstance(p.value, str) else tuple(
                e.ref(pred_ids, "predikat") for e in p.elements())
            lo = c.child("min").number() if c.has("min") else None
            hi = c.child("max").number() if c.has("max") else None
            for key, v in (("min", lo), ("max", hi)):
                if v is not None and not 0 <= v <= 1:
                    c.fail(f"A share must lie between 0 and 1 (write 70% as 0.70); got {v:g}.", key=key)
            if lo is not None and hi is not None and lo > hi:
                c.fail(f"min share {lo:g} is above max share {hi:g}.", key="min")
            present = c.child("present", False).boolean()
            if lo is None and hi is None and not present:
                c.fail("A constraint needs `min`, `max` or `present: true`.")
            cons.append(CurveConstraint(preds, lo, hi, present))
        rows[str(rid)] = CurveRow(str(rid), _label(rnode.child("label")), tuple(cons))
    aliases = {}
    if node.has("aliases"):
        for key, sub in node.child("aliases").items():
            aliases[str(key)] = sub.ref(list(rows), "curve row")
    return Curve(rows, aliases)


def _resolve(spec: Any, path: str) -> bool:
    value = spec
    for seg in path.split("."):
        if isinstance(value, dict) and seg in value:
            value = value[seg]
        elif isinstance(value, list):
            match = [v for v in value if isinstance(v, dict) and str(v.get("id")) == seg]
            if match:
                value = match[0]
            elif seg.isdigit() and int(seg) < len(value):
                value = value[int(seg)]
            else:
                return False
        else:
            return False
    return True


def _assumptions(root: Node) -> tuple[Assumption, ...]:
    out = []
    for a in root.child("assumptions", []).elements():
        a.allowed(("id", "text", "confidence", "key", "source"))
        key = a.child("key").text()
        if not _resolve(root.value, key):
            a.fail(f"The assumption refers to key '{key}', which is not in this rubric; fix the key.",
                   key="key")
        out.append(Assumption(a.child("id").text(), " ".join(a.child("text").text().split()),
                              a.child("confidence").choice(("C1", "C2", "U")), key))
    return tuple(out)


def _build(root: Node, file: str | None) -> Rubric:
    root.mapping()
    root.allowed(_TOP)
    scales = {str(k): _scale(n) for k, n in root.child("scales", LineDict()).items()}
    raw_dims = _dimensions(root, scales)
    dim_ids = [d["id"] for _, d in raw_dims]
    indicators = _indicators(root, scales, set(dim_ids))
    dims = tuple(_dimension(n, [i for i in indicators if i.dimension == d["id"]], scales)
                 for n, d in raw_dims)
    pnode, predikat = _predikat(root)
    pred_ids = [p.id for p in predikat]
    rule = pnode.child("rule").choice(("matrix", "bands"))
    flags = []
    for fid, f in root.child("flags", LineDict()).items():
        f.allowed(("label", "roster_column", "indicator"))
        if not (f.has("roster_column") or f.has("indicator")):
            f.fail("A flag needs a `roster_column`, an `indicator`, or both.")
        flags.append(Flag(str(fid), _label(f.child("label")),
                          f.child("roster_column").text() if f.has("roster_column") else None,
                          f.child("indicator").text() if f.has("indicator") else None))
    weights = _weights(root, indicators, dims, need_dims=rule == "bands")
    matrix: Matrix | None = None
    bands: tuple[Band, ...] = ()
    conditions: list[Condition] = []
    composite_label: Label | None = None
    if rule == "matrix":
        matrix = _matrix(pnode.child("matrix"), dims, pred_ids)
    else:
        lo = sum(weights["baseline"].dimensions[d.id] * d.scale.min for d in dims)
        hi = sum(weights["baseline"].dimensions[d.id] * d.scale.max for d in dims)
        bands = _bands(pnode.child("bands"), pred_ids, lo, hi)
        composite_label = _label(pnode.child("composite_label", "Nilai"))
        for c in pnode.child("conditions", []).elements():
            c.allowed(("predikat", "replaces", "min", "flag"))
            cond = Condition(c.child("predikat").ref(pred_ids, "predikat"),
                             c.child("replaces").ref(pred_ids, "predikat"),
                             c.child("min").number(), c.child("flag").ref([f.id for f in flags], "flag"))
            target = [b for b in bands if b.predikat == cond.replaces]
            if not target or cond.min >= max(b.max for b in target):
                c.fail(f"min {cond.min:g} lies above every band of '{cond.replaces}', so the condition "
                       "could never apply.", key="min")
            conditions.append(cond)
    curve = _curve(root.child("curve"), pred_ids) if root.has("curve") else None
    return Rubric(
        id=root.child("id").text(),
        version=str(root.child("version").text()),
        label=_label(root.child("label")),
        indicators=indicators,
        dimensions=dims,
        weights=weights,
        predikat=predikat,
        rule=rule,  # type: ignore[arg-type]
        matrix=matrix,
        bands=tuple(bands),
        conditions=tuple(conditions),
        flags=tuple(flags),
        composite_label=composite_label,
        curve=curve,
        assumptions=_assumptions(root),
        spec=plain(root.value),
        file=file,
    )
