"""Rubrics as data: load a YAML rubric, score employees, check the distribution curve.

A rubric is a YAML file (see ``presets/``): indicators, dimensions, named weight sets,
how raters combine, the rule from dimension results to predikat (a matrix of categories
or bands on a composite), and an optional distribution curve. A policy team changes a
rubric by copying a YAML file, not by writing Python.

Examples
--------
>>> import workbench as wb
>>> ds = wb.read_sample("kota_contoh")
>>> rubric = wb.load_rubric("permenpanrb-6-2022")
>>> scores = wb.score(ds, rubric, period="2025")
>>> check = wb.curve_check(scores, "Baik")
>>> int(check.to_frame()["n_employees"].sum())
1200
"""

from workbench.rubric import skp
from workbench.rubric.curve import CurveCheck, curve_check
from workbench.rubric.load import list_presets, load_rubric, rubric_from_spec
from workbench.rubric.mapping import map_indicators
from workbench.rubric.model import Rubric, WeightSet
from workbench.rubric.score import Scores, score

__all__ = [
    "CurveCheck",
    "Rubric",
    "Scores",
    "WeightSet",
    "curve_check",
    "list_presets",
    "load_rubric",
    "map_indicators",
    "rubric_from_spec",
    "score",
    "skp",
]
