"""A static picture of a dashboard, shown while its interactive page loads.

A Voila page shows nothing but a spinner until the browser has run about 4 MB of
JupyterLab and widget scripts and connected to the kernel: 2.5 s on a quiet 2-core
machine, 3-4 s on a busy one, although the kernel computed the page long before. The
page's first state is already known when it is served, so the dashboard also gives it
as plain HTML (:func:`static_html`, under :data:`STATIC_MIME` in its display data):
the repository's Voila template (``share/jupyter/voila/templates/kinerja``) shows that
HTML at once, with every control greyed out and a line saying that the controls are
loading, and swaps it for the live page once the live page shows the same findings.

The picture holds exactly what the widgets hold (their HTML, images, labels and the
values of the controls), so it shows no number the live page would not show: the
protection of the page is unchanged.

Examples
--------
>>> import ipywidgets as widgets
>>> box = widgets.VBox([widgets.HTML("<p class='kw-finding'>0 dari 12 OPD</p>"),
...                     widgets.Dropdown(options=["2025", "2024"], description="Periode")])
>>> html = static_html(box)
>>> "<p class='kw-finding'>0 dari 12 OPD</p>" in html and "<select disabled" in html
True
"""

from __future__ import annotations

import base64
import html
import re
from typing import Any

import ipywidgets as widgets

from workbench.i18n import t

__all__ = ["STATIC_CSS", "STATIC_MIME", "static_html", "static_page"]

STATIC_MIME = "application/vnd.kinerja.static+html"
"""The display-data key of a dashboard's static picture. JupyterLab and Voila's
renderers do not know it and ignore it; the kinerja Voila template reads it."""

STATIC_CSS = """
<style>
.kw-static { line-height: 28px; font-size: 13px; }
.kw-static .kw-s-row { display: flex; flex-flow: row nowrap; align-items: center; }
.kw-static .kw-s-row > .kw-s-col { flex: 1 1 auto; min-width: 0; }
.kw-static .kw-s-col { display: flex; flex-direction: column; }
.kw-static .kw-s-grid { display: grid; }
.kw-static .kw-s-html, .kw-static img, .kw-static details { margin: 2px; }
.kw-static .kw-s-control { display: inline-flex; align-items: center; box-sizing: border-box;
  height: 28px; width: 300px; margin: 2px; color: #777; }
.kw-static .kw-s-control label { margin-right: 8px; white-space: nowrap; text-align: right; flex: 0 0 auto; }
.kw-static .kw-s-control input[type=range] { border: 0; background: none; padding: 0; }
.kw-static .kw-s-control input[type=range] + span { margin-left: 8px; }
.kw-static .kw-s-control select, .kw-static .kw-s-control input, .kw-static .kw-s-control button,
.kw-static .kw-s-control textarea { font: inherit; color: #777; background: #f2f2f2; height: 28px;
  box-sizing: border-box; border: 1px solid #ccc; border-radius: 2px; padding: 0 8px; flex: 1 1 auto;
  min-width: 0; }
.kw-static .kw-s-toggle { width: auto; }
.kw-static .kw-s-toggle button { flex: 0 0 140px; margin: 0 2px; }
.kw-static .kw-s-control button.kw-s-on { background: #d8d8d8; }
.kw-static .kw-s-button { width: auto; }
.kw-static details { padding: 4px 8px; background: #f2f2f2; color: #777; }
.kw-static .kw-s-loading { position: fixed; top: 6px; right: 12px; z-index: 10; margin: 0;
  max-width: 420px; padding: 6px 12px; line-height: 1.4; background: #fff8e1; color: #444;
  border: 1px solid #e0c060; border-radius: 3px; font-style: italic; }
</style>
"""


_SCRIPT = re.compile(r"<(/?script)", re.IGNORECASE)


def static_page(widget: widgets.Widget, lang: str = "id") -> str:
    """The static picture of ``widget`` as the template shows it: a line saying that the
    controls are loading, the page's own HTML and the styles of the greyed-out controls.

    Examples
    --------
    >>> import ipywidgets as widgets
    >>> static_page(widgets.HTML("<h1>Ringkasan</h1>")).count("Memuat kontrol")
    1
    """
    note = html.escape(t("status.static", lang))
    return (f"{STATIC_CSS}<div class='kw-static' role='status' aria-busy='true'>"
            f"<p class='kw-s-loading'>{note}</p>{static_html(widget)}</div>")


def static_html(widget: widgets.Widget) -> str:
    """The HTML of ``widget`` and its children as they show now, with no script.

    HTML widgets give their value as it is (the page's own markup, written by the
    workbench), except that a ``<script>`` tag is shown as text, as the live widget
    would never run it; images become inline ``data:`` images; controls become disabled form
    elements that show their description and value; a widget hidden by its layout
    (``display: none``) or of a kind not listed here gives nothing.

    Parameters
    ----------
    widget
        Any ipywidget; boxes are walked in order.

    Returns
    -------
    str
        The HTML, to be shown where the widget will render.

    Examples
    --------
    >>> import ipywidgets as widgets
    >>> hidden = widgets.HTML("secret", layout=widgets.Layout(display="none"))
    >>> static_html(widgets.HBox([hidden, widgets.Button(description="Kembali")]))
    "<div class='kw-s-row'><span class='kw-s-control kw-s-button'><button disabled>Kembali</button></span></div>"
    """
    layout = getattr(widget, "layout", None)
    if layout is not None and (layout.display == "none" or layout.visibility == "hidden"):
        return ""
    classes = " ".join(getattr(widget, "_dom_classes", ()))
    if isinstance(widget, (widgets.HTML, widgets.HTMLMath)):
        # the live widget sets this markup as innerHTML, where a <script> never runs; in the
        # served page it would, so it is shown as text
        value = _SCRIPT.sub(r"&lt;\1", widget.value)
        return f"<div class='kw-s-html{' ' + _attr(classes) if classes else ''}'>{value}</div>"
    if isinstance(widget, widgets.Label):
        return f"<span>{html.escape(str(widget.value))}</span>"
    if isinstance(widget, widgets.Image):
        return _image(widget)
    if isinstance(widget, widgets.Accordion):
        titles = list(widget.titles)
        parts = []
        for i, child in enumerate(widget.children):
            title = html.escape(titles[i] if i < len(titles) and titles[i] else "")
            open_ = widget.selected_index == i
            body = static_html(child) if open_ else ""
            parts.append(f"<details{' open' if open_ else ''}><summary>{title}</summary>{body}</details>")
        return _box("kw-s-col", classes, parts)
    if isinstance(widget, widgets.Tab):
        index = widget.selected_index
        shown = [widget.children[index]] if index is not None and index < len(widget.children) else []
        return _box("kw-s-col", classes, [static_html(c) for c in shown])
    if isinstance(widget, widgets.GridBox):
        columns = widget.layout.grid_template_columns
        style = f"grid-template-columns: {columns}" if columns else ""
        return _box("kw-s-grid", classes, [static_html(c) for c in widget.children], style)
    if isinstance(widget, widgets.HBox):
        return _box("kw-s-row", classes, [static_html(c) for c in widget.children])
    if isinstance(widget, widgets.Box):
        return _box("kw-s-col", classes, [static_html(c) for c in widget.children])
    return _control(widget, classes)


def _attr(value: str) -> str:
    return html.escape(value, quote=True)


def _box(kind: str, classes: str, parts: list[str], style: str = "") -> str:
    style_attr = f" style='{_attr(style)}'" if style else ""
    return f"<div class='{kind}{' ' + _attr(classes) if classes else ''}'{style_attr}>{''.join(parts)}</div>"


def _image(widget: widgets.Image) -> str:
    value = widget.value
    if not value:
        return ""
    data = base64.b64encode(bytes(value)).decode("ascii")
    style = "; ".join(f"{name.replace('_', '-')}: {getattr(widget.layout, name)}"
                      for name in ("width", "max_width", "height") if getattr(widget.layout, name))
    return (f"<img src='data:image/{_attr(widget.format)};base64,{data}' alt=''"
            + (f" style='{_attr(style)}'" if style else "") + ">")


def _control(widget: Any, classes: str) -> str:
    label = ""
    description = str(getattr(widget, "description", "") or "")
    if description:
        width = getattr(getattr(widget, "style", None), "description_width", "") or ""
        style = f" style='width: {_attr(width)}'" if width else ""
        label = f"<label{style}>{html.escape(description)}</label>"
    kind = ""
    if isinstance(widget, widgets.ToggleButtons):
        kind = " kw-s-toggle"
        field = "".join(f"<button disabled{' class=kw-s-on' if text == widget.label else ''}>{html.escape(str(text))}"
                        "</button>" for text in widget._options_labels)
    elif isinstance(widget, (widgets.Dropdown, widgets.Select, widgets.RadioButtons)):
        field = f"<select disabled><option selected>{html.escape(str(widget.label or ''))}</option></select>"
    elif isinstance(widget, (widgets.FloatSlider, widgets.IntSlider)):
        readout = format(widget.value, widget.readout_format) if widget.readout else ""
        field = (f"<input type='range' disabled min='{widget.min}' max='{widget.max}' step='{widget.step}'"
                 f" value='{widget.value}'><span>{html.escape(readout)}</span>")
    elif isinstance(widget, widgets.Button):
        field = f"<button disabled>{html.escape(widget.description)}</button>"
        label, kind = "", " kw-s-button"
    elif isinstance(widget, widgets.Textarea):
        field = f"<textarea disabled>{html.escape(widget.value)}</textarea>"
    elif isinstance(widget, widgets.Text):
        field = f"<input type='text' disabled value='{_attr(widget.value)}'>"
    elif isinstance(widget, widgets.Checkbox):
        field = f"<input type='checkbox' disabled{' checked' if widget.value else ''}>"
    else:
        return ""
    width = getattr(getattr(widget, "layout", None), "width", None)
    style = f" style='width: {_attr(width)}'" if width and width != "auto" else ""
    cls = f"kw-s-control{kind}{' ' + _attr(classes) if classes else ''}"
    return f"<span class='{cls}'{style}>{label}{field}</span>"
