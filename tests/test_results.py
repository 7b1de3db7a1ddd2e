"""The provenance property is written once (results.ProvenanceMixin) and every result uses it."""

from __future__ import annotations

import pandas as pd

import workbench as wb
from workbench import objectivity, reliability, weights
from workbench.results import ProvenanceMixin
from workbench.rubric import curve_check, load_rubric


def test_every_result_class_uses_the_one_provenance_property():
    from workbench.objectivity.feedback import RaterFeedback
    from workbench.rubric.curve import CurveCheck
    from workbench.rubric.score import Scores

    classes = [reliability.Estimate, reliability.ICC, reliability.GStudy, objectivity.RaterEffects,
               objectivity.RaterTable, RaterFeedback, weights.Comparison, weights.Uncertainty,
               weights.EffectiveWeights, weights.SobolResult, weights.MethodWeights, weights.AHPResult,
               Scores, CurveCheck]
    for cls in classes:
        assert issubclass(cls, ProvenanceMixin), cls
        assert cls.provenance is ProvenanceMixin.provenance, cls


def test_provenance_carries_rubric_and_parameters():
    ds = wb.read_sample("kota_contoh")
    s = wb.score(ds, "permenpanrb-6-2022", period="2025")
    p = s.provenance
    assert p.rubric_id == "permenpanrb-6-2022" and p.rubric_hash == load_rubric("permenpanrb-6-2022").hash
    assert s.provenance is p  # memoised
    c = curve_check(s, "Baik").provenance
    assert c.rubric_id == "permenpanrb-6-2022" and c.parameters["rounding"] == "conservative"
    ahp = weights.ahp({("a", "b"): 2.0, ("a", "c"): 3.0, ("b", "c"): 1.5})
    assert ahp.provenance.parameters == {"method": ahp.method, "threshold": 0.10}
    e = weights.effective_weights(pd.DataFrame({"a": [0.0, 1, 2], "b": [1.0, 0, 2]})).provenance
    assert e.parameters["indicators"] == {"a": 1.0, "b": 1.0} and len(e.data_hash) == 16
