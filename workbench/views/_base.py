"""Building blocks of the panels: a section view and the panel base class.

A :class:`Panel` holds its state in traitlets (``lang``, ``period``, ``unit``, ...),
rebuilds its :class:`~workbench.views.sections.Section` objects when the state changes
and shows them in :class:`SectionView` widgets. The work runs in one background
thread: the interface never blocks, a status line says "Sedang menghitung..." while it
runs, the finding and the table appear as soon as the numbers are ready, and the
figure follows. Errors never reach the page as a traceback: the panel shows a readable
message in the chosen language and keeps the traceback in ``last_traceback`` (Python
only, never synced to the browser).

Only aggregates and labels are ever put into widget state; the dataset itself is a
plain Python attribute, which ipywidgets never syncs.
"""

from __future__ import annotations

import html
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

import ipywidgets as widgets
import traitlets

from workbench.data import Dataset
from workbench.errors import WorkbenchError
from workbench.i18n import t
from workbench.privacy import DEFAULT_MIN_CELL, check_min_cell
from workbench.views.sections import Section, section_html
from workbench.viz import png_bytes

__all__ = ["Panel", "SectionView", "error_message", "run_safely"]

_EXECUTOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix="workbench-views")
"""One worker: matplotlib figures are drawn one at a time, off the kernel's main thread."""


def error_message(exc: BaseException, lang: str = "id") -> str:
    """A readable sentence for ``exc``: the workbench's own message, or a generic one."""
    reason = str(exc) if isinstance(exc, WorkbenchError) else t("status.error_unexpected", lang)
    return t("status.error", lang, reason=reason)


class SectionView(widgets.VBox):
    """Shows one :class:`Section`: heading, finding, figure (PNG), table and notes."""

    finding = traitlets.Unicode("").tag(sync=False)
    title = traitlets.Unicode("").tag(sync=False)

    def __init__(self, **kwargs: object) -> None:
        self._head = widgets.HTML()
        self._image = widgets.Image(format="png", layout=widgets.Layout(max_width="900px", width="100%"))
        self._image.layout.display = "none"
        self._body = widgets.HTML()
        super().__init__([self._head, self._image, self._body], **kwargs)
        self.add_class("kw-section")

    def show_text(self, section: Section) -> None:
        """Show everything but the figure."""
        full = section_html(section)
        head_end = full.index("</p>") + len("</p>")
        self._head.value = full[:head_end]
        self._body.value = full[head_end:]
        self.title = section.title
        self.finding = section.finding
        if section.draw is None:
            self._image.layout.display = "none"

    def show_png(self, png: bytes) -> None:
        """Show the figure."""
        self._image.value = png
        self._image.layout.display = None

    def clear(self) -> None:
        """Empty the view."""
        self._head.value = self._body.value = ""
        self._image.layout.display = "none"
        self.finding = self.title = ""


class Panel(widgets.VBox):
    """Base class: state in traitlets, sections rebuilt off the main thread.

    Subclasses implement :meth:`build` (a list of sections from the current state) and
    list the traits that trigger a refresh in ``_refresh_on``.
    """

    lang = traitlets.Unicode("id").tag(sync=False)
    min_cell = traitlets.Int(DEFAULT_MIN_CELL).tag(sync=False)
    busy = traitlets.Bool(False).tag(sync=False)
    error = traitlets.Unicode("").tag(sync=False)
    findings = traitlets.List(traitlets.Unicode()).tag(sync=False)
    updates = traitlets.Int(0).tag(sync=False)
    """Counts completed refreshes (tests and benchmarks wait on it)."""

    background = True
    """Run refreshes in the worker thread (False: synchronously, e.g. in unit tests)."""

    _refresh_on: tuple[str, ...] = ("lang", "min_cell")
    n_views = 1

    def __init__(self, ds: Dataset, **kwargs: object) -> None:
        self._ds = ds
        self._views = [SectionView() for _ in range(self.n_views)]
        self._status = widgets.HTML()
        self._status.add_class("kw-status")
        self._lock = threading.Lock()
        self._generation = 0
        self._future: Future[None] | None = None
        self.last_traceback = ""
        super().__init__([self._status, *self._views])
        self.add_class("kw-panel")
        for key, value in kwargs.items():
            setattr(self, key, value)
        self.observe(self._on_change, names=list(self._refresh_on))
        self.refresh()

    @traitlets.validate("min_cell")
    def _valid_min_cell(self, proposal: dict[str, int]) -> int:
        return check_min_cell(proposal["value"])

    @traitlets.validate("lang")
    def _valid_lang(self, proposal: dict[str, str]) -> str:
        t("control.language", proposal["value"])  # raises ParameterError for an unknown language
        return proposal["value"]

    # -- subclasses ------------------------------------------------------------------
    def build(self) -> list[Section]:
        """The sections for the current state (one per view)."""
        raise NotImplementedError

    # -- machinery -------------------------------------------------------------------
    def _on_change(self, change: object = None) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Rebuild the sections for the current state (in the background)."""
        with self._lock:
            self._generation += 1
            generation = self._generation
        self.busy = True
        self._status.value = f"<span class='kw-busy'>{t('status.loading', self.lang)}</span>"
        self._started(generation)
        if self.background:
            self._future = _EXECUTOR.submit(self._work, generation)
        else:
            self._work(generation)

    def _started(self, generation: int) -> None:
        """Called by :meth:`refresh` once ``generation`` is requested, before its work is
        run or queued (nothing by default; a panel may show an interim state here)."""

    def _current(self, generation: int) -> bool:
        return generation == self._generation

    def _work(self, generation: int) -> None:
        if not self._current(generation):
            return  # a newer refresh is queued: building this one would be wasted
        lang = self.lang
        try:
            sections = self.build()
            if not self._current(generation):
                return
            for view, section in zip(self._views, sections, strict=False):
                view.show_text(section)
            for view in self._views[len(sections):]:
                view.clear()
            self.findings = [s.finding for s in sections]
            for view, section in zip(self._views, sections, strict=False):
                if section.draw is not None:
                    png = png_bytes(section.draw())
                    if not self._current(generation):
                        return
                    view.show_png(png)
            self.error = ""
            self._status.value = ""
        except Exception as exc:  # a dashboard shows a message, never a traceback
            self.last_traceback = traceback.format_exc()
            self.error = error_message(exc, lang)
            self._status.value = f"<div class='kw-error' role='alert'>{html.escape(self.error)}</div>"
        finally:
            if self._current(generation):
                self.busy = False
                self.updates += 1

    def wait(self, timeout: float = 60.0) -> None:
        """Block until the pending refresh has finished (tests, publishing)."""
        future = self._future
        if future is not None:
            future.result(timeout=timeout)


def run_safely(fn: Callable[[], widgets.Widget], lang: str = "id") -> widgets.Widget:
    """Call ``fn``; on any error return a widget with a readable message instead."""
    try:
        return fn()
    except Exception as exc:
        return widgets.HTML(f"<div class='kw-error' role='alert'>{html.escape(error_message(exc, lang))}</div>")
