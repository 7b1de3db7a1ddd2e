"""Read a file of *Predikat Kinerja Organisasi*: the unit, its org predikat and optionally the period.

A CSV or xlsx whose header (in its first 20 rows) names the unit (``unit``, ``opd``,
``unit_kerja``, ``unor``, ``perangkat_daerah``, ``satuan_kerja``, each also after
``nama``) and the org predikat (``org_predikat``, ``predikat``, ``pko``, any
``predikat ... organisasi``, ``capaian_kinerja_organisasi``), and optionally the period (``period``,
``periode``, ``tahun``). Title rows above the header and empty rows are skipped; a
label that is not one of Istimewa, Baik, Butuh Perbaikan (or Cukup), Kurang or Sangat
Kurang, or a row with no unit, is an error naming the file, line and column: an org
rating decides a whole unit's curve, so none is guessed.

Examples
--------
>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "predikat_organisasi.csv"
>>> _ = path.write_text("Predikat Kinerja Organisasi 2025\\nOPD;Predikat Organisasi\\nDinas A;ISTIMEWA\\n"
...                     "Dinas B;cukup\\n", encoding="utf-8")
>>> read_org_ratings(path)[["unit", "org_predikat"]].values.tolist()
[['Dinas A', 'Istimewa'], ['Dinas B', 'Butuh Perbaikan']]
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from workbench.data.contract import coerce_org_ratings
from workbench.data.normalize import canonical_text, normalize_org_predikat, normalize_period
from workbench.data.read import read_raw
from workbench.errors import DataContractError

__all__ = ["org_header_role", "read_org_ratings"]

_UNIT = {"unit", "opd", "unitkerja", "unor", "unornama", "namaunit", "perangkatdaerah", "satuankerja", "satker",
         "skpd"}
_ORG = {"orgpredikat", "predikatorganisasi", "predikatkinerjaorganisasi", "predikat", "capaiankinerjaorganisasi",
        "orgrating", "pko"}
_PERIOD = {"period", "periode", "tahun"}
_HEADER_ROWS = 20


def _is(name: str, role: str, aliases: set[str]) -> bool:
    """Whether a canonical header names ``role``: an alias, with or without a leading
    ``nama`` (``Nama OPD``); for the org predikat also any ``predikat ... organisasi``
    (``Predikat Kinerja Organisasi (PKO)``)."""
    if name in aliases or name.removeprefix("nama") in aliases:
        return True
    return role == "org_predikat" and name.startswith("predikat") and "organisasi" in name


def org_header_role(name: str) -> str | None:
    """``"unit"`` or ``"org_predikat"`` when a header names one of them as an org-ratings
    file does, else ``None``; ``wb.load`` recognises these headers by this same rule.

    ``name`` is canonical (lower case, letters and digits only, as
    :func:`workbench.data.normalize.canonical_text` makes it). A bare ``predikat`` is
    ``"org_predikat"`` here; in a table with NIPs it is an employee's predikat, so the
    loader asks this function only about names its own aliases do not know.

    Examples
    --------
    >>> org_header_role("namaopd"), org_header_role("predikatkinerjaorganisasipko"), org_header_role("nip")
    ('unit', 'org_predikat', None)
    """
    for role, aliases in (("unit", _UNIT), ("org_predikat", _ORG)):
        if _is(name, role, aliases):
            return role
    return None


def _find_header(frame: pd.DataFrame) -> tuple[int, dict[str, str]] | None:
    cols = [c for c in frame.columns if c != "_line"]
    for i in range(min(_HEADER_ROWS, len(frame))):
        names = {c: canonical_text(frame.iloc[i][c]) for c in cols}
        found = {}
        for c, name in names.items():
            for role, aliases in (("unit", _UNIT), ("org_predikat", _ORG), ("period", _PERIOD)):
                if _is(name, role, aliases) and role not in found:
                    found[role] = c
        if "unit" in found and "org_predikat" in found:
            return i, found
    return None


def read_org_ratings(path: str | Path) -> pd.DataFrame:
    """The org ratings of a CSV or xlsx file: ``period, unit, org_predikat``.

    Parameters
    ----------
    path
        The file (every sheet of a workbook is searched; the first with the header is read).

    Returns
    -------
    pandas.DataFrame
        As :func:`workbench.data.contract.coerce_org_ratings`: ``period`` missing when
        the file has no period column (the rating holds for every period).

    Raises
    ------
    DataContractError
        When the file cannot be read, has no such header, or holds a row with an
        unknown label or no unit (``failure_cases`` lists every such row).
    """
    path = Path(path)
    tables = read_raw(path)
    for table in tables:
        hit = _find_header(table.frame)
        if hit is None:
            continue
        i, cols = hit
        body = table.frame.iloc[i + 1:]
        cells = {role: body[c].astype(str).str.strip() for role, c in cols.items()}
        empty = pd.concat([v.eq("") for v in cells.values()], axis=1).all(axis=1)
        body = body[~empty]
        cells = {role: v[~empty] for role, v in cells.items()}
        org, why = normalize_org_predikat(cells["org_predikat"])
        period = pd.Series(None, index=body.index, dtype=object)
        bad_period = pd.Series(False, index=body.index)
        if "period" in cells:
            given = cells["period"].ne("")
            norm, preason = normalize_period(cells["period"])
            period = norm.where(given, None)
            bad_period = given & preason.notna()
        where = f"{path.name}" + (f", sheet {table.sheet!r}" if table.sheet else "")
        failures = []
        for mask, role, reason in ((why.notna(), "org_predikat", "org_predikat_invalid"),
                                   (cells["unit"].eq(""), "unit", "unit_missing"),
                                   (bad_period, "period", "period_invalid")):
            for idx in body.index[mask.to_numpy()]:
                failures.append({"file": where, "line": int(body.loc[idx, "_line"]),
                                 "column": table.frame.iloc[i][cols[role]], "value": cells[role][idx],
                                 "reason": reason})
        if failures:
            cases = pd.DataFrame(failures)
            lines = ", ".join(str(x) for x in cases["line"].head(5))
            raise DataContractError(
                f"{len(cases)} row(s) of the org-ratings file {where} cannot be read (lines {lines}"
                f"{' ...' if len(cases) > 5 else ''}): each row needs a unit and one of Istimewa, Baik, Butuh "
                "Perbaikan (Cukup), Kurang or Sangat Kurang (and a period such as 2025, if the column is "
                "there). Correct them and try again; see `.failure_cases`.", cases)
        out = pd.DataFrame({"period": period.to_numpy(), "unit": cells["unit"].to_numpy(),
                            "org_predikat": org.to_numpy()})
        return coerce_org_ratings(out)
    raise DataContractError(
        f"{path.name}: no header row with a unit column (e.g. 'OPD', 'unit_kerja') and a Predikat Kinerja "
        "Organisasi column (e.g. 'predikat_organisasi') in its first 20 rows. Add such a header and try again.")
