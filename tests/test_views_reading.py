"""What a leader reads: numbers in the language's format, hidden cells that never pass for a
value, charts that survive long names and one period, flags as a short list, a report that
states its rule and its data (issue 13)."""

from __future__ import annotations

import dataclasses
import html
import re

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench.i18n import number, t
from workbench.views import sections as sec
from workbench.viz import figures as F
from workbench.viz.palette import PREDIKAT_ORDER

P = list(PREDIKAT_ORDER)


@pytest.fixture(scope="module")
def ds():
    return wb.read_sample("kota_contoh")


def test_numbers_follow_the_language():
    assert number(1234567.25, ",.2f", "id") == "1.234.567,25"
    assert number(1234567.25, ",.2f", "en") == "1,234,567.25"
    assert number(0.9371, ".1%", "id") == "93,7%" and number(0.9371, ".1%", "en") == "93.7%"
    # the catalogue's placeholders too, and never a string or a period name
    assert t("fig.trend.title", "id", first=0.9, last=0.95, p0="2025-Q1", p1="2025.Q4") == (
        "Porsi Baik ke atas: 90,0% (2025-Q1) menjadi 95,0% (2025.Q4)")
    assert t("page.loaded", "en", read=1200, kept=1190, rejected=10).startswith("Data loading: 1,200 rows read")
    assert t("page.loaded", "id", read=1200, kept=1190, rejected=10).startswith("Pemuatan data: 1.200 baris dibaca")


def test_page_labels_say_small_groups_in_words_and_format_numbers(ds):
    from workbench.views import _sources as src

    page = src.leadership(ds, "2025", None, None, 5)
    shares = [page.label(k) for k in page.tables["share"]["share"]]
    assert not any(s.startswith("<") for s in shares)  # never "<5" in a percentage column
    assert any(s == "kelompok <5 orang" for s in shares) or all(re.fullmatch(r"\d+,\d%", s) or s == "disembunyikan"
                                                                  for s in shares)
    shown = [s for s in shares if s[0].isdigit()]
    assert shown and all(re.fullmatch(r"\d{1,3},\d%", s) for s in shown)
    assert all(re.fullmatch(r"\d{1,3}\.\d%", page.label(k, "en")) for k in page.tables["share"]["share"]
               if page.label(k, "en")[0].isdigit())
    small = next(k for k, f in page.facts.items() if f.kind == "share" and f.status == "small")
    assert page.label(small) == "kelompok <5 orang" and page.label(small, "en") == "group of <5"


def test_a_single_period_has_no_trend_chart_and_says_why(ds):
    from workbench.views import sections as sec

    one = dataclasses.replace(ds, ratings=ds.ratings[ds.ratings["period"] == "2025"],
                              roster=ds.roster[ds.roster["period"] == "2025"])
    s = sec.trend_section(one, None, "id", 5, period="2025")
    assert s.draw is None and s.finding == "Hanya satu periode (2025); tren belum dapat ditampilkan."


def test_hidden_shares_get_no_bar_and_the_national_line_sits_below_the_axis():
    fig = F.share_figure(pd.Series([0.97, np.nan, 0.90], index=["A", "B", "C"]))
    ax = fig.axes[0]
    bars = [p for p in ax.patches]
    widths = [b.get_width() for b in bars]
    assert widths[1] == 0 and widths[0] > 0 and widths[2] > 0
    assert "(tersembunyi)" in [x.get_text() for x in ax.texts]
    assert ax.get_title(loc="left") != "" and not any("nasional" in x.get_text() for x in ax.texts)
    assert "nasional 99,7% (laporan PNS 2022-2024)" in [x.get_text() for x in fig.legends[0].get_texts()]


def test_a_wholly_hidden_unit_is_no_grey_bar_and_long_names_wrap():
    long = "Badan Perencanaan Pembangunan, Penelitian dan Pengembangan Daerah"
    shares = pd.DataFrame([[0.1, 0.6, 0.2, 0.1, 0.0], [np.nan] * 5], index=[long, "B"], columns=P)
    fig = F.curve_figure(shares, pd.DataFrame({"ok": [True, False]}, index=[long, "B"]))
    ax = fig.axes[0]
    grey = [p for p in ax.patches if p.get_hatch() == "//"]
    assert all(p.get_width() < 1e-9 for p in grey)  # row A is complete, row B wholly hidden
    assert "(tersembunyi)" in [x.get_text() for x in ax.texts]
    ticks = [x.get_text() for x in ax.get_yticklabels()]
    assert ticks[0].count("\n") == 1 and all(len(line) <= 24 for line in ticks[0].split("\n"))
    fig.canvas.draw()
    label = ax.get_yticklabels()[0].get_window_extent()
    assert label.x0 >= 0  # the wrapped name fits in the figure, nothing cut on the left


def test_flags_are_a_short_list_of_what_needs_attention(ds):
    from workbench.views import sections as sec

    s = sec.flags_section(ds, "2025", None, "id", 5)
    assert len(s.notes) <= 3  # one line per rule broken (and one for near-everyone-Baik), not one per OPD
    assert s.notes[0].startswith("Kurva tidak terpenuhi (Baik maks. 70%) di ")
    n = int(re.match(r"(\d+) OPD perlu perhatian", s.finding).group(1))
    named = {u for note in s.notes for u in note.split(": ", 1)[1].split(";")[0].rstrip(".").split(", ")}
    assert n == len(named & set(ds.units))


def test_drill_down_shows_position_types_by_label(ds):
    from workbench.views import sections as sec

    s = sec.unit_section(ds, "2025", "Dinas Pendidikan", None, "id", 5)
    assert set(s.table["Jabatan"]) <= {"JPT (pimpinan tinggi)", "Administrator", "Pengawas", "Fungsional",
                                       "Pelaksana", "(tidak tercatat)"}
    assert "Fungsional" in set(s.table["Jabatan"])


def test_the_published_report_states_its_rule_and_its_data(ds, tmp_path):
    from workbench.views.publish import publish

    doc = publish("ringkasan_pimpinan", ds, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "Aturan: Predikat Kinerja Pegawai (PermenPANRB 6/2022), rubrik permenpanrb-6-2022." in doc
    assert "Pemuatan data: 69.600 baris dibaca, 69.600 dipakai, 0 ditolak" in doc
    assert "Ubah di sini" not in doc
    doc = publish("simulasi_rubrik", ds, tmp_path / "w.html", lang="en").read_text(encoding="utf-8")
    assert ("Rule: Employee performance rating (PermenPANRB 6/2022), rubric permenpanrb-6-2022. Simulated: "
            "Employee performance rating (PermenPANRB 6/2022), rubric permenpanrb-6-2022; it starts from the "
            "overview's numbers.") in html.unescape(doc)


def test_the_report_of_one_opd_opens_with_its_drill_down(tmp_path, capsys):
    from workbench.cli import main

    out = tmp_path / "pendidikan.html"
    assert main(["publish", "ringkasan_pimpinan", "--data", "kota_contoh", "--unit", "Dinas Pendidikan",
                 "--out", str(out)]) == 0
    doc = out.read_text(encoding="utf-8")
    assert doc.index("Rincian OPD: Dinas Pendidikan") < doc.index("Distribusi predikat per OPD")
    assert "Fungsional" in doc and "Dinas Pendidikan: 300 pegawai" in doc
    assert main(["publish", "ringkasan_pimpinan", "--data", "kota_contoh", "--unit", "Dinas Tidak Ada",
                 "--out", str(tmp_path / "x.html")]) == 2
    assert "unit" in capsys.readouterr().err and not (tmp_path / "x.html").exists()


@pytest.mark.parametrize("lang", ["id", "en"])
def test_legends_and_names_stay_inside_the_figure(lang):
    shares = pd.DataFrame([[0.1, 0.6, 0.2, 0.1, 0.0], [np.nan] * 5], index=["Sekretariat Daerah", "B"], columns=P)
    counts = pd.DataFrame([[0.0, 184, np.nan, np.nan, 0.0]], index=["JPT (pimpinan tinggi)"], columns=P)
    for fig in (F.curve_figure(shares, pd.DataFrame({"ok": [True, False]}, index=shares.index), lang=lang),
                F.unit_figure(counts, "Dinas Pendidikan", 206, 0.9, lang=lang)):
        fig.canvas.draw()
        box, inside = fig.bbox, fig.legends[0].get_window_extent()
        assert box.x0 <= inside.x0 and inside.x1 <= box.x1 and box.y0 <= inside.y0  # no legend label cut
        ticks = [t.get_window_extent() for t in fig.axes[0].get_yticklabels()]
        assert all(t.x0 >= box.x0 for t in ticks)
        xlabel = fig.axes[0].xaxis.label.get_window_extent()
        assert xlabel.y0 > inside.y1  # the legend sits below the axis label, not over it


def test_the_headline_band_says_what_the_tables_say():
    from workbench.report import NATIONAL_SHARE_BAIK

    ds = wb.read_sample("kota_contoh")
    # the national figure of the domain notes: 99.7 % of 10.3 M PNS reports, 2022-2024
    assert NATIONAL_SHARE_BAIK == pytest.approx(0.1127 + 0.8846, abs=0.0005)
    cards = {c.key: c for c in sec.band(ds, "2025")}
    assert list(cards) == ["share", "curve", "unscored", "flags"]
    scores = wb.score(ds, "permenpanrb-6-2022", period="2025").frame
    good = scores["predikat"].isin(["Sangat Baik", "Baik"]).sum() / scores["predikat"].notna().sum()
    assert cards["share"].value == f"{100 * good:.1f}%".replace(".", ",")
    diff = f"{100 * (NATIONAL_SHARE_BAIK - round(good, 3)):.1f}".replace(".", ",")
    assert cards["share"].finding.startswith(f"{diff} poin di bawah angka nasional 99,7%")
    table = sec.curve_section(ds, "2025").table
    ok = int((table["Memenuhi kurva"] == "ya").sum())
    assert cards["curve"].value == f"{ok} dari {len(table)}"
    flags = sec.flags_section(ds, "2025")
    assert cards["flags"].value == flags.finding.split(" ")[0] + " OPD"
    assert cards["unscored"].value == "0 pegawai"
    en = {c.key: c for c in sec.band(ds, "2025", lang="en")}
    assert en["share"].value == f"{100 * good:.1f}%" and en["curve"].value == f"{ok} of {len(table)}"
    html_text = sec.band_html(list(cards.values()))
    assert html_text.count("kw-card'") == 4 and "<script" not in html_text


def test_the_rater_chart_draws_what_its_headline_counts():
    ds = wb.read_sample("kota_contoh")
    s = sec.raters_section(ds, "2025")
    figure = s.draw()
    ax = figure.axes[0]
    assert ax.get_title(loc="left") == s.finding  # "Se-kota 63 penilai terlalu murah hati dan 42 terlalu ketat"
    table = s.table.set_index("OPD")
    bars = [p for p in ax.patches]
    n = len(table)
    lenient, severe = bars[:n], bars[n:]
    for i, unit in enumerate(table.index):
        shown_l, shown_s = table.loc[unit, "Murah hati"], table.loc[unit, "Ketat"]
        if shown_l.isdigit():
            assert lenient[i].get_width() == int(shown_l)
        else:
            assert lenient[i].get_width() == 0  # a hidden count has no bar
        if shown_s.isdigit():
            assert severe[i].get_width() == int(shown_s)
        else:
            assert severe[i].get_width() == 0
    assert "simpangan baku" not in ax.get_xlabel() and "SD" not in ax.get_xlabel()


def test_a_curve_row_with_nothing_shown_has_no_bar_and_a_hidden_verdict_is_not_a_failure():
    labels = list(PREDIKAT_ORDER)
    shares = pd.DataFrame([[np.nan, np.nan, 0.0, 0.0, 0.0], [0.1, 0.8, 0.1, 0.0, 0.0]],
                          index=["Kecil", "Besar"], columns=labels)
    check = pd.DataFrame({"ok": [np.nan, 0.0]}, index=["Kecil", "Besar"])
    figure = F.curve_figure(shares, check)
    ax = figure.axes[0]
    texts = [x.get_text() for x in ax.texts]
    assert texts.count("(tersembunyi)") == 2  # the row's bar and its verdict
    assert texts.count("tidak memenuhi") == 1
    first_row = [p for p in ax.patches if abs(p.get_y() + p.get_height() / 2) < 1e-9]
    assert all(p.get_width() == 0 for p in first_row)  # no bar drawn to 100 % for a hidden row


@pytest.mark.parametrize("lang", ["id", "en"])
def test_hidden_verdicts_are_said_in_the_curve_finding_and_its_chart_title(ds, lang):
    """In 2025-Q2 seven of the sample's twelve verdicts are hidden: "0 of 12 meet the
    curve" alone read as twelve failures; the finding and the chart title say how many
    results are not shown, and count none of them as met."""
    page = sec.src.leadership(ds, "2025-Q2")
    verdicts = [page.facts[k] for k in page.tables["curve"]["ok"]]
    hidden = sum(f.hidden for f in verdicts)
    assert hidden > 0
    met = sum(1 for f in verdicts if not f.hidden and f.value)
    section = sec.curve_section(ds, "2025-Q2", lang=lang)
    assert section.finding == t("fig.curve.title_hidden", lang, ok=met, n=len(verdicts), h=hidden)
    assert section.draw().axes[0].get_title(loc="left") == section.finding
    year = sec.src.leadership(ds, "2025")  # no hidden verdict: the short sentence
    shown = [year.facts[k] for k in year.tables["curve"]["ok"]]
    assert not any(f.hidden for f in shown)
    assert sec.curve_section(ds, "2025", lang=lang).finding == t("fig.curve.title", lang,
                                                                 ok=sum(bool(f.value) for f in shown), n=len(shown))
