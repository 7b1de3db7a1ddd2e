"""The four attacks of the privacy review, replayed on what the views and the report show.

Each test does the reviewer's arithmetic on the rendered sections (tables, texts and the
data handed to the figures) and checks that no hidden small cell comes out. Each failed
on the per-cell suppression the page model replaced.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench.views import _sources as src
from workbench.views import publish as pub
from workbench.views import sections as sec
from workbench.viz import figures as fig

K = 5
MOVE = re.compile(r"pindahkan (\d+) pegawai dari ([^;]+?) ke ([^;]+?)(?:;|$)")


@pytest.fixture(scope="module")
def ds():
    return wb.read_sample("kota_contoh")


@pytest.fixture(scope="module")
def truth(ds):
    """Unsuppressed counts per unit and predikat in 2025 (the attacker's target)."""
    return src.predikat_counts(src.baseline_scores(ds), period="2025")


def _capture(monkeypatch, name):
    seen = {}
    original = getattr(fig, name)

    def spy(*args, **kwargs):
        seen["args"] = args
        return original(*args, **kwargs)

    monkeypatch.setattr(fig, name, spy)
    return seen


def _moves(text: str) -> list[tuple[int, str, str]]:
    return [(int(n), a.strip(), b.strip()) for n, a, b in MOVE.findall(text or "")]


def _number(text: str) -> float:
    """A count as the Indonesian page writes it (``1.200``); NaN for a hidden one."""
    return float(text.replace(".", "")) if re.fullmatch(r"[\d.]+", str(text)) else math.nan


def _share(text: str) -> float:
    """A share as the Indonesian page writes it (``89,6%``)."""
    return float(text.rstrip("%").replace(".", "").replace(",", ".")) / 100


def test_attack_1_moves_and_rounded_share_do_not_give_sangat_baik(ds, truth):
    """Baik = N + floor(0.7 n) from the curve table, Sangat Baik + Baik from the share to
    one decimal: their difference must never be a hidden small Sangat Baik count."""
    sections = {s.key: s for s in pub.build_sections("ringkasan_pimpinan", ds)}
    curve = sections["curve"].table.set_index("OPD")
    share = sections["share"].table.set_index("OPD")["Baik ke atas"]
    recovered, examined = [], 0
    for unit, row in curve.iterrows():
        n = _number(row["Pegawai"])
        moves = [m for m in _moves(row["Cara memenuhi kurva"]) if m[1] == "Baik"]
        text = str(share[unit])
        if math.isnan(n) or len(moves) != 1 or not text.endswith("%") or text.startswith("<"):
            continue
        p = _share(text)
        examined += 1
        baik = moves[0][0] + math.floor(0.7 * n + 1e-9)
        both = [k for k in range(int(n) + 1) if abs(round(k / n, 3) - p) < 1e-9]
        if len(both) == 1:
            sb = both[0] - baik
            if 0 < truth.loc[unit, "Sangat Baik"] < K:
                recovered.append((unit, sb, int(truth.loc[unit, "Sangat Baik"])))
    assert examined > 0  # the attacker read the page's numbers (as the page writes them)
    assert recovered == [], f"hidden Sangat Baik counts recovered: {recovered}"


def test_attack_2_minimum_share_moves_do_not_give_butuh_perbaikan(ds, truth):
    """Under an organisation rating with a minimum share, Butuh Perbaikan = ceil(0.6 n) -
    moves: it must never give a hidden small count."""
    recovered = []
    for unit in ds.units:
        if not 0 < truth.loc[unit, "Butuh Perbaikan"] < K:
            continue
        org = dict(src.default_org_rating(ds)) | {unit: "Butuh Perbaikan"}
        table = sec.curve_section(ds, "2025", org, min_cell=K).table.set_index("OPD")
        n = _number(table.loc[unit, "Pegawai"])
        into = [m[0] for m in _moves(table.loc[unit, "Cara memenuhi kurva"]) if m[2] == "Butuh Perbaikan"]
        if math.isnan(n) or not into:
            continue
        guess = math.ceil(0.6 * n - 1e-9) - sum(into)
        if guess == truth.loc[unit, "Butuh Perbaikan"]:
            recovered.append((unit, guess))
    assert recovered == [], f"hidden Butuh Perbaikan counts recovered: {recovered}"


@pytest.mark.parametrize(("dimension", "category", "threshold"),
                         [("hasil_kerja", "sesuai", 70), ("perilaku_kerja", "di_atas", 3.25)])
def test_attack_3_transitions_minus_row_totals(ds, monkeypatch, dimension, category, threshold):
    """A hidden transition = row total (the before/after table) - the shown cells of its row."""
    seen = _capture(monkeypatch, "transitions_figure")
    rubric = src.whatif_base(src.WHATIF_RUBRIC).with_thresholds(categories={dimension: {category: threshold}})
    s = sec.transitions_section(ds, "2025", rubric, min_cell=K)
    s.draw()
    matrix = seen["args"][0]
    before = dict(zip(src.PREDIKAT, [_number(v) for v in s.table["Aturan berlaku"]], strict=True))
    after = dict(zip(src.PREDIKAT, [_number(v) for v in s.table["Aturan simulasi"]], strict=True))
    true = src.whatif_comparison(ds, rubric, "2025").transition_matrix("2025").reindex(
        index=list(src.PREDIKAT), columns=list(src.PREDIKAT), fill_value=0)
    recovered = []
    for p in src.PREDIKAT:
        row = matrix.loc[p]
        if row.isna().sum() == 1 and not math.isnan(before[p]):
            q = row[row.isna()].index[0]
            if 0 < true.loc[p, q] < K:
                recovered.append((p, q, before[p] - row.sum()))
    for q in src.PREDIKAT:
        col = matrix[q]
        if col.isna().sum() == 1 and not math.isnan(after[q]):
            p = col[col.isna()].index[0]
            if 0 < true.loc[p, q] < K:
                recovered.append((p, q, after[q] - col.sum()))
    assert recovered == [], f"hidden transitions recovered: {recovered}"


def test_attack_4_drill_down_columns_and_grey_bar(ds, monkeypatch):
    """A hidden jabatan row: the unit's predikat counts (curve figure x n) minus the shown
    cells of a column, and the grey bar (the row total), must not give its cells."""
    roster = ds.roster[ds.roster["period"] == "2025"]
    scores = src.baseline_scores(ds).frame
    scores = scores[scores["period"] == "2025"].merge(roster[["employee_id", "jabatan"]], on="employee_id")
    true = scores.groupby(["unit", "jabatan", "predikat"], observed=True).size()
    code = {sec._jabatan(j, "id"): j for j in [*roster["jabatan"].dropna().unique(), "-"]}  # the page shows labels
    recovered, targets = [], 0
    small = true[(true > 0) & (true < K)].groupby(level="unit", observed=True).size()
    for unit in small.sort_values(ascending=False).index[:4]:  # the units with most targets
        curve_seen = _capture(monkeypatch, "curve_figure")
        unit_seen = _capture(monkeypatch, "unit_figure")
        c = sec.curve_section(ds, "2025", None, min_cell=K, unit=unit)
        c.draw()
        u = sec.unit_section(ds, "2025", unit, None, min_cell=K)
        u.draw()
        shares = curve_seen["args"][0]
        n = _number(c.table.set_index("OPD").loc[unit, "Pegawai"])
        table = unit_seen["args"][0]
        totals = np.asarray(table.attrs.get("totals"), dtype=float)
        for j, p in enumerate(src.PREDIKAT):
            col = table[p]
            column_total = shares.loc[unit, p] * n
            targets += sum(0 < true.get((unit, code[label], p), 0) < K for label in col[col.isna()].index)
            if col.isna().sum() == 1 and not math.isnan(column_total):
                jab = code[col[col.isna()].index[0]]
                value = true.get((unit, jab, p), 0)
                if 0 < value < K:
                    recovered.append((unit, jab, p, "column"))
            del j
        for i, label in enumerate(table.index):
            row, jab = table.loc[label], code[label]
            assert jab == "-" or (unit, jab) in {(u, j) for u, j, _ in true.index}  # labels map back to codes
            if row.isna().sum() == 1 and totals[i] > 0:
                p = row[row.isna()].index[0]
                if 0 < true.get((unit, jab, p), 0) < K:
                    recovered.append((unit, jab, p, "grey bar"))
    assert targets > 0  # there were hidden small cells to attack
    assert recovered == [], f"hidden drill-down cells recovered: {recovered}"


def test_a_cell_hidden_for_anothers_sake_is_not_called_small(ds):
    """Only a small cell reads "<5"; a cell hidden to protect it reads "disembunyikan"."""
    page = src.leadership(ds, "2025", None, None, K)
    labels = page.tables["curve"]
    for key in labels.to_numpy().ravel():
        f = page.facts[key]
        if f.kind in ("count", "total") and f.status == "protected":
            assert page.label(key) == "disembunyikan" and page.label(key, "en") == "hidden"
            assert f.value >= K or f.value == 0 or f.kind == "total"
        if f.status == "small":
            assert page.label(key) == "<5" and 0 < f.value < K or f.kind != "count"
    statuses = page.frame("curve", values=False).to_numpy().ravel()
    assert "protected" in set(statuses) or "protected" in {f.status for f in page.facts.values()}


def test_attacks_fail_in_english_too(ds):
    """The same page in English: the same cells hidden (the page is language-free)."""
    a = sec.curve_section(ds, "2025", None, "id", K).table.iloc[:, 2]
    b = sec.curve_section(ds, "2025", None, "en", K).table.iloc[:, 2]
    hidden_id = [v in ("<5", "disembunyikan") for v in a]
    hidden_en = [v in ("<5", "hidden") for v in b]
    assert hidden_id == hidden_en
    assert isinstance(pd.Series(hidden_id).sum(), np.integer | int)
