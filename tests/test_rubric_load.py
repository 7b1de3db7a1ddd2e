"""Loading rubrics: presets, immutability, content hash, and every kind of broken YAML."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from workbench.errors import RubricError
from workbench.rubric import list_presets, load_rubric
from workbench.rubric.load import rubric_from_text

PRESET = Path(__file__).resolve().parents[1] / "workbench" / "rubric" / "presets" / "permenpanrb-6-2022.yaml"
PP46 = PRESET.with_name("pp-46-2011.yaml")
RINCI = PRESET.with_name("permenpanrb-6-2022-rinci.yaml")


def test_all_presets_load_and_document_assumptions():
    assert set(list_presets()) >= {"permenpanrb-6-2022", "permenpanrb-6-2022-rinci", "pp-30-2019", "pp-46-2011"}
    for pid in list_presets():
        rubric = load_rubric(pid)
        assert rubric.id == pid
        assert "baseline" in rubric.weights
        assert len(rubric.assumptions) >= 2
        assert all(a.confidence in ("C1", "C2", "U") for a in rubric.assumptions)


def test_matrix_preset_labels_exact():
    rubric = load_rubric("permenpanrb-6-2022")
    assert [p.label.id for p in rubric.predikat] == [
        "Sangat Baik", "Baik", "Butuh Perbaikan", "Kurang/Misconduct", "Sangat Kurang"]
    assert len(rubric.matrix.cells) == 9


def test_path_and_preset_give_same_hash(tmp_path):
    copy = tmp_path / "copy.yaml"
    copy.write_text("# a comment that does not change the content\n" + PRESET.read_text())
    assert load_rubric(copy).hash == load_rubric("permenpanrb-6-2022").hash
    assert load_rubric(copy) == load_rubric("permenpanrb-6-2022")


def test_with_weights_returns_new_rubric():
    pp30 = load_rubric("pp-30-2019")
    before = pp30.hash
    alt = pp30.with_weights("setara", dimensions={"skp": 0.5, "perilaku": 0.5})
    assert alt.weights["setara"].dimensions == {"skp": 0.5, "perilaku": 0.5}
    assert "setara" not in pp30.weights and pp30.hash == before and alt.hash != before
    with pytest.raises(RubricError, match=r"sum to 1\.2.*key 'weights\.x\.dimensions'"):
        pp30.with_weights("x", dimensions={"skp": 0.6, "perilaku": 0.6})
    scaled = pp30.with_weights("x", dimensions={"skp": 7, "perilaku": 3}, normalize=True)
    assert scaled.weights["x"].dimensions == pytest.approx({"skp": 0.7, "perilaku": 0.3})
    with pytest.raises(AttributeError):
        pp30.id = "other"  # frozen


def test_unknown_preset_suggests():
    with pytest.raises(RubricError, match="Did you mean 'pp-30-2019'"):
        load_rubric("pp-30-2018")
    with pytest.raises(RubricError, match="not found"):
        load_rubric("/nonexistent/rubric.yaml")


def _line_of(text: str, needle: str, start: int = 0) -> int:
    """1-based line of the first line containing ``needle`` at or after line ``start``."""
    for i, line in enumerate(text.splitlines(), 1):
        if i > start and needle in line:
            return i
    raise AssertionError(needle)


def _broken(source: Path, old: str, new: str) -> tuple[str, RubricError]:
    text = source.read_text()
    assert old in text, old
    bad = text.replace(old, new, 1)
    with pytest.raises(RubricError) as info:
        rubric_from_text(bad, file="bad.yaml")
    return bad, info.value


@pytest.mark.parametrize(
    ("source", "old", "new", "message", "key", "needle"),
    [
        # weights that do not sum to 1
        (PP46, "dimensions: {skp: 0.6, perilaku: 0.4}", "dimensions: {skp: 0.6, perilaku: 0.5}",
         r"sum to 1\.1", "weights.baseline.dimensions", "dimensions: {skp: 0.6"),
        (PP46, "skp: 1.0\n", "skp: 0.9\n", r"dimension 'skp' sum to 0\.9", "weights.baseline.indicators",
         "    indicators:"),
        # unknown indicator in a weight set
        (PP46, "      disiplin: 0.1666666667", "      disiplinn: 0.1666666667", r"Unknown indicator 'disiplinn'.*"
         r"Did you mean 'disiplin'", "weights.baseline.indicators.disiplinn", "disiplinn: 0.16"),
        # unknown dimension on an indicator
        (PP46, "{id: integritas, dimension: perilaku,", "{id: integritas, dimension: perilku,",
         r"Unknown dimension 'perilku'", "indicators.integritas.dimension", "id: integritas"),
        # overlapping bands
        (PP46, "{predikat: cukup, min: 61, max: 76}", "{predikat: cukup, min: 61, max: 80}",
         r"overlaps", "predikat.bands.3.min", "{predikat: baik, min: 76"),
        # gap between bands
        (PP46, "{predikat: baik, min: 76, max: 91}", "{predikat: baik, min: 76, max: 90}",
         r"Gap between", "predikat.bands.4.min", "{predikat: sangat_baik, min: 91}"),
        # non-monotonic bands
        (PP46, "    - {predikat: sangat_baik, min: 91}", "    - {predikat: sangat_baik, min: 10}",
         r"low to high", "predikat.bands.4.min", "{predikat: sangat_baik, min: 10}"),
        # non-monotonic category thresholds
        (RINCI, "{id: di_atas, min: 110,", "{id: di_atas, min: 80,", r"Thresholds must increase",
         "dimensions.hasil_kerja.categories.di_atas.min", "{id: di_atas, min: 80,"),
        # matrix with a missing cell
        (PRESET, "sesuai:   {di_bawah: kurang_misconduct, sesuai: baik, di_atas: baik}",
         "sesuai:   {di_bawah: kurang_misconduct, sesuai: baik}", r"no cell for hasil_kerja 'sesuai' x "
         r"perilaku_kerja 'di_atas'", "predikat.matrix.cells.sesuai", "sesuai:   {di_bawah"),
        # unknown predikat in a cell
        (PRESET, "sesuai: baik, di_atas: sangat_baik}", "sesuai: baik, di_atas: sangatbaik}",
         r"Unknown predikat 'sangatbaik'", "predikat.matrix.cells.di_atas.di_atas", "di_atas:  {di_bawah"),
        # a typo in a key
        (PRESET, "\nweights:\n", "\nweigths:\n", r"Unknown key 'weigths'; did you mean 'weights'",
         "weigths", "weigths:"),
        # missing required key
        (PRESET, "    rows: hasil_kerja\n", "", r"Missing required key 'rows'", "predikat.matrix", "  matrix:"),
        # curve share out of range
        (PRESET, "{predikat: sangat_baik, max: 0.70}", "{predikat: sangat_baik, max: 70}",
         r"between 0 and 1", "curve.rows.istimewa.constraints.0.max", "{predikat: sangat_baik, max: 70}"),
        # wrong type
        (PRESET, "    min: 1\n    max: 3\n", "    min: one\n    max: 3\n", r"Expected a number",
         "scales.ekspektasi.min", "min: one"),
        # assumption pointing at a key that does not exist
        (PRESET, "key: curve.rows.baik", "key: curve.rows.bagus", r"refers to key 'curve.rows.bagus'",
         "assumptions.A4.key", "key: curve.rows.bagus"),
        # duplicate indicator
        (PP46, "{id: integritas,", "{id: komitmen,", r"defined twice", "indicators.komitmen.id",
         "{id: komitmen, dimension: perilaku, scale: nilai_100, label: {id: Komitmen"),
    ],
)
def test_broken_yaml_names_problem_key_and_line(source, old, new, message, key, needle):
    bad, err = _broken(source, old, new)
    assert re.search(message, str(err)), str(err)
    assert err.key == key, (err.key, str(err))
    assert err.line == _line_of(bad, needle), (err.line, str(err))
    assert err.file == "bad.yaml"
    assert f"line {err.line}" in str(err) and f"key '{key}'" in str(err)


def test_yaml_syntax_error_has_line():
    bad = PRESET.read_text().replace("  rule: matrix", "  rule: [matrix")
    with pytest.raises(RubricError, match=r"not valid YAML") as info:
        rubric_from_text(bad, file="bad.yaml")
    assert info.value.line is not None and info.value.line > 100


def test_duplicate_key_has_line():
    bad = PRESET.read_text().replace("version: \"2022.1\"", "version: \"2022.1\"\nid: again")
    with pytest.raises(RubricError, match=r"Duplicate key 'id' \(first on line \d+\)") as info:
        rubric_from_text(bad)
    assert info.value.line == _line_of(bad, "id: again")


def test_band_coverage_and_condition_checked():
    text = PP46.read_text().replace("{predikat: buruk, max: 50, max_inclusive: true}",
                                    "{predikat: buruk, min: 10, max: 50, max_inclusive: true}")
    with pytest.raises(RubricError, match=r"from 0 up to 10 fall in no band"):
        rubric_from_text(text)
    pp30 = (PRESET.with_name("pp-30-2019.yaml")).read_text().replace(
        "replaces: baik, min: 110", "replaces: baik, min: 130")
    with pytest.raises(RubricError, match=r"could never apply") as info:
        rubric_from_text(pp30)
    assert info.value.key == "predikat.conditions.0.min"


def test_with_thresholds_returns_a_new_validated_rubric():
    rinci = load_rubric("permenpanrb-6-2022-rinci")
    new = rinci.with_thresholds(categories={"hasil_kerja": {"sesuai": 80, "di_atas": 105}})
    assert [c.min for c in new.dimension("hasil_kerja").categories] == [None, 80.0, 105.0]
    assert [c.min for c in rinci.dimension("hasil_kerja").categories] == [None, 85.0, 110.0]
    assert new.hash != rinci.hash and new.id == rinci.id
    assert rinci.with_thresholds(categories={"hasil_kerja": {"sesuai": 85}}) == rinci
    # weights and thresholds combine, each call returns a new rubric
    both = rinci.with_weights("simulasi", indicators={"iki_waktu": 2.0}, normalize=True).with_thresholds(
        categories={"perilaku_kerja": {"di_atas": 4.0}})
    assert "simulasi" in both.weights and both.dimension("perilaku_kerja").categories[2].min == 4.0
    with pytest.raises(RubricError, match="Thresholds must increase"):
        rinci.with_thresholds(categories={"hasil_kerja": {"sesuai": 120}})
    with pytest.raises(RubricError, match="outside the scale"):
        rinci.with_thresholds(categories={"perilaku_kerja": {"di_atas": 6}})
    with pytest.raises(RubricError, match="Did you mean 'hasil_kerja'"):
        rinci.with_thresholds(categories={"hasil_kerj": {"sesuai": 80}})
    with pytest.raises(RubricError, match="Did you mean 'di_atas'"):
        rinci.with_thresholds(categories={"hasil_kerja": {"di_atass": 80}})
    with pytest.raises(RubricError, match="first .lowest. category"):
        rinci.with_thresholds(categories={"hasil_kerja": {"di_bawah": 10}})
    with pytest.raises(RubricError, match="Expected a number"):
        rinci.with_thresholds(categories={"hasil_kerja": {"sesuai": "80"}})
    with pytest.raises(RubricError, match="has no bands"):
        rinci.with_thresholds(bands={"baik": 80})


def test_with_thresholds_moves_bands_and_keeps_them_contiguous():
    pp30 = load_rubric("pp-30-2019")
    new = pp30.with_thresholds(bands={"baik": 85, "cukup": 65})
    assert [(b.predikat, b.min, b.max) for b in new.bands] == [
        ("sangat_kurang", float("-inf"), 50.0), ("kurang", 50.0, 65.0), ("cukup", 65.0, 85.0), ("baik", 85.0, 120.0)]
    with pytest.raises(RubricError, match="below its max"):
        pp30.with_thresholds(bands={"cukup": 95})
