"""The static picture of a dashboard (workbench.views.static): what the page shows while
its scripts load. It must hold what the widgets hold, nothing hidden and no script."""

from __future__ import annotations

import re

import ipywidgets as widgets
import pytest

import workbench as wb
from workbench import views
from workbench.views.static import STATIC_MIME, static_html, static_page


@pytest.fixture(scope="module")
def ds() -> wb.Dataset:
    return wb.read_sample("kota_contoh")


@pytest.fixture()
def in_voila(monkeypatch):
    """A kernel started by Voila (it sets ``VOILA_APP_PORT``)."""
    monkeypatch.setenv("VOILA_APP_PORT", "8866")


def _visible(widget: widgets.Widget) -> list[widgets.Widget]:
    if getattr(widget, "layout", None) is not None and widget.layout.display == "none":
        return []
    out = [widget]
    if isinstance(widget, widgets.Box) and not isinstance(widget, widgets.Accordion):
        for child in widget.children:
            out += _visible(child)
    return out


@pytest.mark.parametrize("make", [views.leadership_overview, views.rubric_whatif, views.rater_quality])
def test_a_dashboard_gives_its_picture_with_every_shown_text_and_figure(ds, make, in_voila):
    page = make(ds, warm_ahead=False) if make is not views.rater_quality else make(ds)
    data = page._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in data
    picture = data[STATIC_MIME]
    shown = _visible(page)
    texts = [w.value for w in shown if isinstance(w, widgets.HTML) and w.value]
    assert texts and all(text in picture for text in texts)
    images = [w for w in shown if isinstance(w, widgets.Image) and w.value]
    assert picture.count("<img src='data:image/png;base64,") == len(images) >= 1
    for finding in page.panels[0].findings + page.panels[-1].findings:
        assert finding in re.sub(r"<[^>]+>", "", picture)
    assert "<script" not in picture
    assert "Memuat kontrol interaktif" in picture


def test_the_picture_follows_the_language(ds, in_voila):
    page = views.leadership_overview(ds, warm_ahead=False)
    page.lang = "en"
    page.wait()
    picture = page._repr_mimebundle_()[STATIC_MIME]
    assert "Loading the interactive controls" in picture and "Leadership Overview" in picture


def test_no_picture_outside_voila(ds, monkeypatch):
    monkeypatch.delenv("VOILA_APP_PORT", raising=False)
    data = views.rater_quality(ds)._repr_mimebundle_()
    assert STATIC_MIME not in data and "application/vnd.jupyter.widget-view+json" in data


def test_hidden_widgets_and_closed_panels_are_left_out():
    secret = widgets.HTML("<p>rahasia</p>", layout=widgets.Layout(display="none"))
    closed = widgets.Accordion([widgets.HTML("<p>isi tertutup</p>")], titles=("Judul",), selected_index=None)
    opened = widgets.Accordion([widgets.HTML("<p>isi terbuka</p>")], titles=("Judul 2",), selected_index=0)
    html = static_html(widgets.VBox([secret, closed, opened]))
    assert "rahasia" not in html and "isi tertutup" not in html
    assert "<summary>Judul</summary>" in html and "isi terbuka" in html


def test_controls_are_disabled_and_their_texts_escaped():
    html = static_html(widgets.VBox([
        widgets.Dropdown(options=[("<b>Dinas</b> & Co", "x")], description="OPD <i>"),
        widgets.FloatSlider(value=1.5, min=1, max=3, step=0.05, description="Ambang"),
        widgets.ToggleButtons(options=["Bahasa Indonesia", "English"], value="English"),
        widgets.Button(description="Kembali"),
        widgets.Text(value="'><script>"),
        widgets.HTML("<p>Dinas <SCRIPT>alert(1)</script></p>"),
    ]))
    assert "&lt;b&gt;Dinas&lt;/b&gt; &amp; Co" in html and "OPD &lt;i&gt;" in html
    assert "<script" not in html.lower() and "&lt;SCRIPT>alert(1)&lt;/script>" in html
    assert html.count(" disabled") == 6  # one select, one range, two toggle buttons, a button, a text box
    assert "<span>1.50</span>" in html
    assert "<button disabled class=kw-s-on>English</button>" in html


def test_static_page_wraps_the_picture_with_its_note_and_styles():
    out = static_page(widgets.HTML("<h1>Ringkasan</h1>"), "en")
    assert out.startswith("\n<style>") and "kw-s-loading" in out and "<h1>Ringkasan</h1>" in out
    assert "Loading the interactive controls" in out
