"""Outputs: the identifier scan, atomic writes, never over an input, formulas neutralised."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

import workbench as wb
from workbench._output import check_output, neutralise_formulas, write_atomic
from workbench.cli import main
from workbench.errors import ParameterError, WorkbenchError
from workbench.privacy import find_identifiers
from workbench.views import publish as pub


@pytest.mark.parametrize("text", [
    "NIP 19860926 201505 1 001",
    "NIP 19860926\u00a0201505\u00a01\u00a0001",
    "NIP 19860926.201505.1.001",
    "NIP 1986092620\u200b15051001",
    "NIP 198609262015\u2060051001",
    "NIP 19860926\ufeff201505\u200d1\u00ad001",
])
def test_spaced_and_invisibly_split_nips_are_found(text):
    assert find_identifiers(text) == ["198609262015051001"]


def test_names_split_by_invisible_characters_are_found():
    assert find_identifiers("Budi\u200b Santoso", names=["Budi Santoso"]) == ["Budi Santoso"]
    assert find_identifiers("a 2025 report with 1,200 employees and 95.8%") == []


def test_publish_refuses_a_spaced_nip(tmp_path, monkeypatch):
    ds = wb.read_sample("kota_contoh")
    real = pub.render_html

    def leaky(*args, **kwargs):
        doc, figures = real(*args, **kwargs)
        return doc.replace("</body>", "<p>19860926 201505 1 001</p></body>"), figures

    monkeypatch.setattr(pub, "render_html", leaky)
    out = tmp_path / "r.html"
    with pytest.raises(WorkbenchError, match="identifier"):
        pub.publish("simulasi_rubrik", ds, out)
    assert not out.exists()


def test_write_atomic_leaves_the_old_file_when_writing_fails(tmp_path):
    out = tmp_path / "laporan.html"
    write_atomic(out, "old")

    class Boom(str):
        def encode(self, *a, **k):  # fails half-way, as a full disk would
            raise OSError("disk full")

    with pytest.raises(OSError):
        write_atomic(out, Boom("new"))
    assert out.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["laporan.html"]


def test_output_is_never_a_folder_an_input_or_inside_the_dataset(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(wb.data.sample_path("messy"), data)
    with pytest.raises(ParameterError, match="folder"):
        check_output(tmp_path, [data])
    with pytest.raises(ParameterError, match="input file"):
        check_output(data / "rekap_penilaian_2025.csv", [data / "rekap_penilaian_2025.csv"])
    with pytest.raises(ParameterError, match="dataset's folder"):
        check_output(data / "problems.csv", [data])
    assert check_output(tmp_path / "out" / "p.csv", [data]) == tmp_path / "out" / "p.csv"


def test_validate_problems_never_overwrite_the_input(tmp_path, capsys):
    data = tmp_path / "data"
    shutil.copytree(wb.data.sample_path("messy"), data)
    original = (data / "rekap_penilaian_2025.csv").read_bytes()
    target = data / "rekap_penilaian_2025.csv"
    assert main(["validate", str(target), "--problems", str(target)]) == 2
    assert target.read_bytes() == original
    assert "input file" in capsys.readouterr().err
    assert main(["validate", str(tmp_path)]) in (0, 1, 2)  # a folder as input still validates
    assert main(["validate", str(data), "--problems", str(tmp_path)]) == 2  # a folder as output


def test_validate_keeps_the_problems_of_every_file_and_neutralises_formulas(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(wb.data.sample_path("messy"), data)
    second = tmp_path / "second.csv"
    text = (data / "rekap_penilaian_2025.csv").read_text(encoding="utf-8")
    second.write_text(text, encoding="utf-8")
    out = tmp_path / "problems.csv"
    main(["validate", str(data / "rekap_penilaian_2025.csv"), str(second), "--problems", str(out)])
    table = pd.read_csv(out, dtype=str, keep_default_na=False)
    files = {f.split("/")[-1] for f in table["file"]}
    assert {"rekap_penilaian_2025.csv", "second.csv"} <= files
    for col in table.columns:
        assert not table[col].str.match(r"^[=+\-@]").any(), col


def test_neutralise_formulas_keeps_numbers_and_plain_text():
    frame = pd.DataFrame({"value": ["=HYPERLINK(\"x\")", "+62", "-1", "@SUM(A1)", "Baik", None], "line": range(6)})
    out = neutralise_formulas(frame)
    assert out["value"].tolist()[:5] == ["'=HYPERLINK(\"x\")", "'+62", "'-1", "'@SUM(A1)", "Baik"]
    assert out["line"].tolist() == list(range(6))


def test_publish_refuses_a_folder_and_the_dataset_folder(tmp_path):
    data = tmp_path / "kota"
    shutil.copytree(wb.data.sample_path("kota_contoh"), data)
    assert main(["publish", "simulasi_rubrik", "--data", str(data), "--out", str(tmp_path)]) == 2
    assert main(["publish", "simulasi_rubrik", "--data", str(data), "--out", str(data / "r.html")]) == 2
    assert not (data / "r.html").exists()


@pytest.mark.parametrize("bad", ["/nonexistent/kinerja", "broken"])
def test_a_broken_workbench_data_shows_the_dashboards_own_message(monkeypatch, tmp_path, bad):
    from workbench import views

    if bad == "broken":
        path = tmp_path / "rusak.csv"
        path.write_bytes(b"\x00\x01 not a table")
        bad = str(path)
    monkeypatch.setenv("WORKBENCH_DATA", bad)
    ds = views.dashboard_data()
    for build in (views.leadership_overview, views.rater_quality, views.rubric_whatif):
        page = build(ds)
        text = page.value
        assert "kw-error" in text and "WORKBENCH_DATA" in text and "tidak dapat dibaca" in text
        assert "Traceback" not in text
    if bad.startswith("/nonexistent"):
        assert "tidak ditemukan" in views.leadership_overview(ds).value
