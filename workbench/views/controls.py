"""Controls shared by every dashboard: language, dataset and period, unit, organisation
rating, and the what-if rule. Each keeps its state in a traitlet and relabels itself
when its ``lang`` changes. Options are labels and OPD names only, never identifiers.
"""

from __future__ import annotations

from collections.abc import Mapping

import ipywidgets as widgets
import traitlets

from workbench.data import Dataset
from workbench.i18n import t
from workbench.views._sources import ORG_RATINGS, WhatIf

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
        self._relabel()
        self.observe(lambda c: setattr(self, "unit", c["new"] or ""), names="value")
        self.observe(lambda c: self._relabel(), names="lang")
        self.observe(lambda c: setattr(self, "value", c["new"]), names="unit")

    def _relabel(self) -> None:
        current = self.unit
        self.options = [(t("control.all_units", self.lang), ""), *[(u, u) for u in self._units]]
        self.value = current
        self.description = t("control.unit", self.lang)


class OrgRatingPicker(widgets.VBox):
    """Predikat Kinerja Organisasi per OPD (chooses each unit's curve); ``org_rating`` is a dict."""

    org_rating = traitlets.Dict().tag(sync=False)
    lang = traitlets.Unicode("id").tag(sync=False)

    def __init__(self, org_rating: Mapping[str, str], lang: str = "id") -> None:
        self._dds: dict[str, widgets.Dropdown] = {}
        for unit, rating in org_rating.items():
            dd = widgets.Dropdown(options=[(t(f"org.{r}", lang), r) for r in ORG_RATINGS], value=rating,
                                  description=unit, style=_WIDE,
                                  layout=widgets.Layout(width="380px"))
            dd.observe(self._on_pick, names="value")
            self._dds[unit] = dd
        self._note = widgets.HTML()
        grid = widgets.GridBox(list(self._dds.values()),
                               layout=widgets.Layout(grid_template_columns="repeat(2, 400px)"))
        self._acc = widgets.Accordion([widgets.VBox([self._note, grid])])
        super().__init__([self._acc])
        self.add_class("kw-org")
        self.org_rating = dict(org_rating)
        self.lang = lang
        self._relabel()
        self.observe(lambda c: self._relabel(), names="lang")

    def _on_pick(self, change: object = None) -> None:
        self.org_rating = {u: dd.value for u, dd in self._dds.items()}

    def _relabel(self) -> None:
        for dd in self._dds.values():
            value = dd.value
            dd.options = [(t(f"org.{r}", self.lang), r) for r in ORG_RATINGS]
            dd.value = value
        self._note.value = f"<p>{t('control.org_assumption', self.lang)}</p>"
        self._acc.set_title(0, t("control.org_rating", self.lang))


class WhatIfControls(widgets.VBox):
    """Weight sliders per dimension and threshold sliders; ``rule`` is the :class:`WhatIf`."""

    rule = traitlets.Instance(WhatIf, args=()).tag(sync=False)
    lang = traitlets.Unicode("id").tag(sync=False)

    _SLIDERS = {
        "hasil_kerja": ("control.weight.hasil_kerja", 0.0, 1.0, 0.05),
        "perilaku_kerja": ("control.weight.perilaku_kerja", 0.0, 1.0, 0.05),
        "sangat_baik": ("control.threshold.sangat_baik", 1.0, 3.0, 0.05),
        "baik": ("control.threshold.baik", 1.0, 3.0, 0.05),
    }

    def __init__(self, lang: str = "id") -> None:
        base = WhatIf()
        self.sliders: dict[str, widgets.FloatSlider] = {}
        for key, (_, lo, hi, step) in self._SLIDERS.items():
            s = widgets.FloatSlider(value=getattr(base, key), min=lo, max=hi, step=step, continuous_update=False,
                                    readout_format=".2f", style=_WIDE, layout=widgets.Layout(width="520px"))
            s.add_class(f"kw-slider-{key}")
            s.observe(self._on_slide, names="value")
            self.sliders[key] = s
        self._reset = widgets.Button(icon="undo")
        self._reset.add_class("kw-reset")
        self._reset.on_click(lambda _: self.reset())
        self._help = widgets.HTML()
        self._message = widgets.HTML()
        super().__init__([self._help, *self.sliders.values(), self._reset, self._message])
        self.add_class("kw-whatif")
        self.lang = lang
        self._relabel()
        self.observe(lambda c: self._relabel(), names="lang")

    def reset(self) -> None:
        """Back to the rule in force (the matrix)."""
        base = WhatIf()
        for key, s in self.sliders.items():
            s.value = getattr(base, key)

    def _on_slide(self, change: object = None) -> None:
        values = {k: s.value for k, s in self.sliders.items()}
        if values["baik"] > values["sangat_baik"]:
            values["baik"] = values["sangat_baik"]
        if values["hasil_kerja"] + values["perilaku_kerja"] <= 0:
            values["hasil_kerja"] = 0.05
        self.rule = WhatIf(**values)

    def _relabel(self) -> None:
        for key, s in self.sliders.items():
            s.description = t(self._SLIDERS[key][0], self.lang)
        self._reset.description = t("control.reset", self.lang)
        self._help.value = f"<p class='kw-help'>{t('control.whatif_help', self.lang)}</p>"
