"""Readable, bilingual explanations of which rule decided a predikat.

For a matrix rubric each cell gets one sentence. A dimension category *decides* a cell
when the cell already holds the best predikat that category can reach (e.g. perilaku
*Di Bawah Ekspektasi* can never give more than *Kurang/Misconduct*); when exactly one of
the two categories decides, only that one is named, otherwise both are.

Examples
--------
>>> import workbench as wb
>>> texts = matrix_explanations(wb.load_rubric("permenpanrb-6-2022"), "id")
>>> texts[3]
'Perilaku Kerja Di Bawah Ekspektasi -> Kurang/Misconduct'
>>> texts[0]
'Hasil Kerja Di Bawah Ekspektasi dan Perilaku Kerja Di Bawah Ekspektasi -> Sangat Kurang'
"""

from __future__ import annotations

from typing import Literal

from workbench.rubric.model import Rubric

__all__ = ["MESSAGES", "band_phrases", "matrix_explanations", "message"]

MESSAGES: dict[str, dict[str, str]] = {
    "and": {"id": "dan", "en": "and"},
    "in": {"id": "dalam", "en": "in"},
    "but_without": {"id": "tetapi tanpa", "en": "but without"},
    "no_ratings": {"id": "tidak ada nilai untuk", "en": "no ratings for"},
    "not_scored": {"id": "Tidak dapat dinilai", "en": "Not scored"},
}
"""The few connecting words of explanations, in Bahasa Indonesia and English."""


def message(key: str, lang: Literal["id", "en"] | str = "id") -> str:
    """A word of the catalogue in ``lang``."""
    return MESSAGES[key]["en" if lang == "en" else "id"]


def matrix_explanations(rubric: Rubric, lang: Literal["id", "en"] = "id") -> list[str]:
    """One sentence per matrix cell, rows x columns in category order (worst first)."""
    m = rubric.matrix
    if m is None:
        return []
    rdim, cdim = rubric.dimension(m.rows), rubric.dimension(m.columns)
    ranks = {p.id: p.rank for p in rubric.predikat}
    grid = [[ranks[m.cells[(r.id, c.id)]] for c in cdim.categories] for r in rdim.categories]
    out = []
    for i, r in enumerate(rdim.categories):
        for j, c in enumerate(cdim.categories):
            rank = grid[i][j]
            row_decides = rank == min(grid[i])
            col_decides = rank == min(row[j] for row in grid)
            pred = rubric.predikat[rank].label.get(lang)
            row_text = f"{rdim.label.get(lang)} {r.label.get(lang)}"
            col_text = f"{cdim.label.get(lang)} {c.label.get(lang)}"
            if row_decides and not col_decides:
                out.append(f"{row_text} -> {pred}")
            elif col_decides and not row_decides:
                out.append(f"{col_text} -> {pred}")
            else:
                out.append(f"{row_text} {message('and', lang)} {col_text} -> {pred}")
    return out


def band_phrases(rubric: Rubric, lang: Literal["id", "en"] = "id", condition: int | None = None) -> list[str]:
    """Per band: ``"in [76, 91) -> Baik"``; for ``condition=c``: its (met, not met) phrases."""
    labels = {p.id: p.label.get(lang) for p in rubric.predikat}
    if condition is None:
        return [f"{message('in', lang)} {b.describe()} -> {labels[b.predikat]}" for b in rubric.bands]
    cond = rubric.conditions[condition]
    flag = next(f for f in rubric.flags if f.id == cond.flag).label.get(lang)
    return [f">= {cond.min:g} {message('and', lang)} {flag} -> {labels[cond.predikat]}",
            f">= {cond.min:g} {message('but_without', lang)} {flag} -> {labels[cond.replaces]}"]
