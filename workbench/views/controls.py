"""Controls shared by every dashboard: language, dataset and period, unit, organisation
rating, and the what-if rubric (weights and thresholds). Each keeps its state in a traitlet and relabels itself
when its ``lang`` changes. Options are labels and OPD names only, never identifiers.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import ipywidgets as widgets
import traitlets

from workbench.data import Dataset
from workbench.errors import WorkbenchError
from workbench.i18n import t
from workbench.rubric import Rubric
from workbench.views._sources import (
    WHATIF_WEIGHTS,
    org_ratings,
    whatif_choice_label,
    whatif_choices,
)

__all__ = ["DatasetPicker", "LanguageToggle", "OrgRatingPicker", "UnitFilter", "WhatIfControls"]

_WIDE = {"description_width": "initial"}


class LanguageToggle(widgets.ToggleButtons):
    """Bahasa Indonesia / English; ``value`` is ``"id"`` or ``"en"``."""

    def __init__(self, value: str = "id") -> None:
        super().__init__(options=[("Bahasa Indonesia", "id"), ("English", "en")], value=value,
                         style={"button_width": "140px"})
        self.add_class("kw-lang")


class DatasetPicker(widgets.HBox):
    """Choose the dataset (by name) and the period.

    Traits: ``dataset`` (name), ``period``, ``lang``. :attr:`current` is the chosen
    :class:`~workbench.data.Dataset` (a Python attribute, never synced).
    """

    dataset = traitlets.Unicode("").tag(sync=False)
    period = traitlets.Unicode("").tag(sync=False)
    lang = traitlets.Unicode("id").tag(sync=False)

    def __init__(self, datasets: Dataset | Mapping[str, Dataset], period: str | None = None,
                 periods: list[str] | None = None, lang: str = "id") -> None:
        self._datasets = {datasets.name or "data": datasets} if isinstance(datasets, Dataset) else dict(datasets)
        self._periods_filter = periods
        names = list(self._datasets)
        self._ds_dd = widgets.Dropdown(options=names, value=names[0], style=_WIDE)
        self._ds_dd.add_class("kw-dataset")
        self._period_dd = widgets.Dropdown(style=_WIDE)
        self._period_dd.add_class("kw-period")
        super().__init__([self._ds_dd, self._period_dd])
        self.dataset = names[0]
        self._set_periods(period)
        self.lang = lang
        self._relabel()
        self._ds_dd.observe(lambda c: setattr(self, "dataset", c["new"]), names="value")
        self._period_dd.observe(lambda c: setattr(self, "period", c["new"] or ""), names="value")
        self.observe(lambda c: self._relabel(), names="lang")
        self.observe(self._on_dataset, names="dataset")
        self.observe(lambda c: setattr(self._period_dd, "value", c["new"]), names="period")

    @property
    def current(self) -> Dataset:
        """The chosen dataset."""
        return self._datasets[self.dataset]

    @property
    def periods(self) -> list[str]:
        """Periods offered for the chosen dataset."""
        ps = self.current.periods
        return [p for p in ps if p in self._periods_filter] if self._periods_filter else ps

    def _set_periods(self, period: str | None) -> None:
        ps = self.periods
        self._period_dd.options = ps
        chosen = period if period in ps else ("2025" if "2025" in ps else ps[-1])
        self._period_dd.value = chosen
        self.period = chosen

    def _on_dataset(self, change: dict[str, str]) -> None:
        self._ds_dd.value = change["new"]
        self._set_periods(self.period)

    def _relabel(self) -> None:
        self._ds_dd.description = t("control.dataset", self.lang)
        self._period_dd.description = t("control.period", self.lang)


class UnitFilter(widgets.Dropdown):
    """The unit (OPD) filter; ``unit`` is ``""`` for the whole city (the drill-down starts here)."""

    unit = traitlets.Unicode("").tag(sync=False)
    lang = traitlets.Unicode("id").tag(sync=False)

    def __init__(self, units: list[str], lang: str = "id") -> None:
        self._units = list(units)
        super().__init__(options=[(t("control.all_units", lang), ""), *[(u, u) for u in self._units]],
                         value="", style=_WIDE)
        self.add_class("kw-unit")
        self.lang = lang
        self._relabelling = False
        self._relabel()
        # while _relabel swaps the option labels, the value passes through "" and back
        self.observe(lambda c: None if self._relabelling else setattr(self, "unit", c["new"] or ""),
                     names="value")
        self.observe(lambda c: self._relabel(), names="lang")
        self.observe(lambda c: setattr(self, "value", c["new"]), names="unit")

    def _relabel(self) -> None:
        current = self.unit
        self._relabelling = True
        try:
            self.options = [(t("control.all_units", self.lang), ""), *[(u, u) for u in self._units]]
            self.value = current
        finally:
            self._relabelling = False
        self.description = t("control.unit", self.lang)


class OrgRatingPicker(widgets.VBox):
    """Predikat Kinerja Organisasi per OPD (chooses each unit's curve); ``org_rating`` is a dict.

    The panel starts closed, and its dropdowns (three widgets per OPD) are made when it is
    first opened: a reader who never opens it does not load them with the page.
    """

    org_rating = traitlets.Dict().tag(sync=False)
    lang = traitlets.Unicode("id").tag(sync=False)

    def __init__(self, org_rating: Mapping[str, str], lang: str = "id") -> None:
        self._dds: dict[str, widgets.Dropdown] = {}
        self._note = widgets.HTML()
        self._grid = widgets.GridBox([], layout=widgets.Layout(grid_template_columns="repeat(2, 400px)"))
        self._acc = widgets.Accordion([widgets.VBox([self._note, self._grid])], selected_index=None)
        super().__init__([self._acc])
        self.add_class("kw-org")
        self.org_rating = dict(org_rating)
        self.lang = lang
        self._relabel()
        self.observe(lambda c: self._relabel(), names="lang")
        self._acc.observe(self._open, names="selected_index")

    def _open(self, change: object = None) -> None:
        """Make the dropdowns the first time the panel opens."""
        if self._acc.selected_index is None or self._dds:
            return
        for unit, rating in self.org_rating.items():
            dd = widgets.Dropdown(options=[(t(f"org.{r}", self.lang), r) for r in org_ratings()], value=rating,
                                  description=unit, style=_WIDE, layout=widgets.Layout(width="380px"))
            dd.observe(self._on_pick, names="value")
            self._dds[unit] = dd
        self._grid.children = list(self._dds.values())

    def _on_pick(self, change: object = None) -> None:
        if getattr(self, "_relabelling", False):
            return  # _relabel swaps labels only; the picks stay as they were
        self.org_rating = {u: dd.value for u, dd in self._dds.items()}

    def _relabel(self) -> None:
        self._relabelling = True
        try:
            for dd in self._dds.values():
                value = dd.value
                dd.options = [(t(f"org.{r}", self.lang), r) for r in org_ratings()]
                dd.value = value
        finally:
            self._relabelling = False
        self._note.value = f"<p>{t('control.org_assumption', self.lang)}</p>"
        self._acc.set_title(0, t("control.org_rating", self.lang))


class WhatIfControls(widgets.VBox):
    """A starting rubric (preset or saved scenario) and its weight and threshold sliders;
    ``rubric`` is the result.

    The picker offers :func:`~workbench.views._sources.whatif_choices`: the rule in force
    first (the what-if then starts from the overview's numbers), the other presets, and
    the scenarios saved next to the data. Per dimension of the picked rubric: one slider
    per rater role that weighs in (when two or more do), one per indicator (when there
    are two or more), and one per category threshold. Every change builds a new
    :class:`~workbench.rubric.Rubric` with :meth:`~workbench.rubric.Rubric.with_weights`
    (weight set :data:`~workbench.views._sources.WHATIF_WEIGHTS`, each group rescaled to
    sum to 1) and :meth:`~workbench.rubric.Rubric.with_thresholds`, validated like a YAML
    file; a rule the rubric refuses leaves ``rubric`` unchanged and says so. Labels come
    from the rubric (dimensions, indicators, categories) and the message catalogue.
    """

    rubric = traitlets.Instance(Rubric).tag(sync=False)
    lang = traitlets.Unicode("id").tag(sync=False)

    def __init__(self, base: Rubric | None = None, lang: str = "id", ds: Dataset | None = None) -> None:
        self._choices = whatif_choices(ds)
        if base is not None and all(r.hash != base.hash for _, _, r in self._choices):
            self._choices.append((f"rubric:{base.id}", base.id, base))
        first = base or self._choices[0][2]
        self._preset = widgets.Dropdown(options=[(label, key) for key, label, _ in self._choices],
                                        value=next(k for k, _, r in self._choices if r.hash == first.hash),
                                        style={"description_width": "230px"}, layout=widgets.Layout(width="720px"))
        self._preset.add_class("kw-preset")
        self._preset.observe(self._on_preset, names="value")
        self._body = widgets.HBox()
        self._reset = widgets.Button(icon="undo", layout=widgets.Layout(width="auto"))
        self._reset.add_class("kw-reset")
        self._reset.on_click(lambda _: self.reset())
        self._help = widgets.HTML()
        self._message = widgets.HTML()
        self._message.add_class("kw-whatif-message")
        super().__init__([self._help, self._preset, self._body, self._reset, self._message])
        self.add_class("kw-whatif")
        self.lang = lang
        self._start(first)
        self.observe(lambda c: self._relabel(), names="lang")

    def _start(self, base: Rubric) -> None:
        """``rubric`` = ``base``, then sliders for ``base``.

        The rubric changes first: its observers (the what-if's panel) show the new
        starting point's page (computed ahead) before the sliders are made, whose widget
        messages would otherwise reach the browser first (a few tenths of a second for
        the detailed preset's eighteen sliders). The new sliders take the place of the
        old ones at once, when all are made (:meth:`neighbours` runs in another thread);
        until then :meth:`build` and :meth:`neighbours` read the previous sliders, which
        the new rubric may refuse.
        """
        self.base = base
        self._last_moved: tuple[str, int] = ("", -1)
        self._message.value = ""
        self.rubric = base
        ws = base.weights[WHATIF_WEIGHTS if WHATIF_WEIGHTS in base.weights else "baseline"]
        sliders: dict[str, widgets.FloatSlider] = {}
        labels: dict[str, tuple[str, ...]] = {}
        baseline: dict[str, float] = {}
        heads: list[tuple[widgets.HTML, str]] = []

        def slider(key: str, value: float, lo: float, hi: float, step: float, label: tuple[str, ...]) -> widgets.Widget:
            sliders[key] = self._slider(key, value, lo, hi, step)
            labels[key], baseline[key] = label, value
            return sliders[key]

        boxes = []
        for dim in base.dimensions:
            head = widgets.HTML()
            heads.append((head, dim.id))
            parts: list[widgets.Widget] = [head]
            roles = [r for r, w in ws.raters.get(dim.id, {}).items() if w > 0]
            if len(roles) >= 2:
                parts += [slider(f"raters.{dim.id}.{r}", ws.raters[dim.id][r], 0.0, 1.0, 0.05, ("role", r))
                          for r in roles]
            if len(dim.indicators) >= 2:
                parts += [slider(f"indicators.{i}", ws.indicators[i], 0.0, 1.0, 0.05, ("indicator", i))
                          for i in dim.indicators]
            step = 0.05 if dim.scale.max - dim.scale.min <= 10 else 1.0
            for cat in dim.categories[1:]:
                parts.append(slider(f"threshold.{dim.id}.{cat.id}", float(cat.min or 0.0), dim.scale.min,
                                    dim.scale.max, step, ("category", dim.id, cat.id)))
            box = widgets.VBox(parts)
            box.add_class(f"kw-dimension-{dim.id}")
            boxes.append(box)
        self.sliders: dict[str, widgets.FloatSlider] = sliders
        self._labels: dict[str, tuple[str, ...]] = labels
        self._baseline: dict[str, float] = baseline
        self._heads: list[tuple[widgets.HTML, str]] = heads
        self._body.children = boxes
        self._relabel()

    def _on_preset(self, change: object = None) -> None:
        rubric = next(r for k, _, r in self._choices if k == self._preset.value)
        if rubric.hash != self.base.hash:
            self._start(rubric)

    @property
    def choices(self) -> list[str]:
        """The keys of the starting points offered (``preset:<id>``, ``scenario:<name>``)."""
        return [k for k, _, _ in self._choices]

    def pick(self, key: str) -> None:
        """Start from the choice ``key`` (one of :attr:`choices`)."""
        self._preset.value = key

    def _slider(self, key: str, value: float, lo: float, hi: float, step: float) -> widgets.FloatSlider:
        s = widgets.FloatSlider(value=value, min=lo, max=hi, step=step, continuous_update=False,
                                readout_format=".2f" if step < 1 else ".0f", style={"description_width": "230px"},
                                layout=widgets.Layout(width="520px"))  # one description width: tracks align
        s.add_class("kw-slider-" + key.replace(".", "-"))
        s.observe(self._on_slide, names="value")
        return s

    def reset(self) -> None:
        """Back to the rule in force: the first choice, every slider at its start."""
        first = self._choices[0]
        if self._preset.value != first[0]:
            self._preset.value = first[0]  # rebuilds the sliders from the rule in force
            return
        for key, s in self.sliders.items():
            s.unobserve(self._on_slide, names="value")
            s.value = self._baseline[key]
            s.observe(self._on_slide, names="value")
        self._message.value = ""
        self.rubric = self.base

    def build(self, values: Mapping[str, float] | None = None) -> Rubric:
        """The rubric of the current slider values, those of ``values`` (slider key ->
        value) put in their place (raises RubricError if it is invalid)."""
        raters: dict[str, dict[str, float]] = {}
        indicators: dict[str, float] = {}
        thresholds: dict[str, dict[str, float]] = {}
        given = values or {}
        for key, s in self.sliders.items():
            value = float(given.get(key, s.value))
            kind, _, rest = key.partition(".")
            if kind == "raters":
                dim, role = rest.split(".")
                raters.setdefault(dim, {})[role] = value
            elif kind == "indicators":
                indicators[rest] = value
            else:
                dim, cat = rest.split(".")
                thresholds.setdefault(dim, {})[cat] = value
        base = WHATIF_WEIGHTS if WHATIF_WEIGHTS in self.base.weights else "baseline"
        rubric = self.base.with_weights(WHATIF_WEIGHTS, base=base, dimension_raters=raters or None,
                                        indicators=indicators or None, normalize=True)
        return rubric.with_thresholds(categories=thresholds) if thresholds else rubric

    def neighbours(self) -> list[Rubric]:
        """The rubrics one slider step away from the shown one: each slider one step down
        and one step up (within its range), the others where they are; the slider moved
        last comes first, in the direction it was moved. A rule the rubric refuses is left
        out, and so is a step that gives the shown rubric again. The what-if computes
        their pages ahead (:func:`~workbench.views._sources.warm_whatif`).

        Examples
        --------
        >>> c = WhatIfControls()  # the rule in force: four threshold sliders
        >>> len(c.neighbours())
        8
        >>> c.sliders["threshold.hasil_kerja.di_atas"].value = 2.45  # one step down from 2.5
        >>> [r.dimension("hasil_kerja").categories[2].min for r in c.neighbours()[:2]]  # on down, back
        [2.4, 2.5]
        """
        moved, direction = self._last_moved
        order = sorted(self.sliders, key=lambda key: key != moved)
        seen = {self.rubric.hash}
        out: list[Rubric] = []
        for key in order:
            s = self.sliders[key]
            for sign in ((direction, -direction) if key == moved else (-1, 1)):
                value = round(float(s.value) + sign * float(s.step), 6)
                if not float(s.min) - 1e-9 <= value <= float(s.max) + 1e-9:
                    continue
                try:
                    rubric = self.build({key: value})
                except WorkbenchError:
                    continue
                if rubric.hash not in seen:
                    seen.add(rubric.hash)
                    out.append(rubric)
        return out

    def _on_slide(self, change: Any = None) -> None:
        if isinstance(change, dict) and change.get("owner") is not None:
            key = next((k for k, s in self.sliders.items() if s is change["owner"]), "")
            self._last_moved = (key, 1 if float(change["new"]) > float(change["old"]) else -1)
        try:
            rubric = self.build()
        except WorkbenchError:
            self._message.value = f"<p class='kw-note'>{html.escape(t('control.invalid_rule', self.lang))}</p>"
            return
        self._message.value = ""
        self.rubric = rubric

    def _relabel(self) -> None:
        lang = self.lang
        for head, dim_id in self._heads:
            head.value = f"<h4>{html.escape(self.base.dimension(dim_id).label.get(lang))}</h4>"  # type: ignore[arg-type]
        for key, s in self.sliders.items():
            label = self._labels[key]
            if label[0] == "role":
                s.description = f"{t('control.weights_roles', lang)}: {t('role.' + label[1], lang)}"
            elif label[0] == "indicator":  # a weight, whatever unit the indicator is scored in
                name = str(self.base.indicator(label[1]).label.get(lang)).replace(" (%)", "")  # type: ignore[arg-type]
                s.description = t("control.weight_indicator", lang, indicator=name)
            else:
                cat = next(c for c in self.base.dimension(label[1]).categories if c.id == label[2])
                s.description = t("control.threshold", lang, category=cat.label.get(lang))  # type: ignore[arg-type]
        self._reset.description = t("control.reset", lang)
        self._preset.description = t("control.preset", lang)
        value = self._preset.value
        self._preset.unobserve(self._on_preset, names="value")
        self._preset.options = [(whatif_choice_label(key, label, rubric, lang), key)
                                for key, label, rubric in self._choices]
        self._preset.value = value
        self._preset.observe(self._on_preset, names="value")
        self._help.value = f"<p class='kw-help'>{html.escape(t('control.whatif_help', lang))}</p>"
        if self._message.value:
            self._message.value = f"<p class='kw-note'>{html.escape(t('control.invalid_rule', lang))}</p>"
