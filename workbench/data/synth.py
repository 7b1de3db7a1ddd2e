"""Synthetic appraisal data with known truth.

:func:`generate` builds a fictional city government ("Kota Contoh") on the
PermenPANRB 6/2022 structure and returns the data *and* the truth behind it, so
that every estimator in the workbench can be checked against what was planted:

* a hierarchy per unit (OPD): one JPT head, administrators, pengawas, and
  pelaksana / fungsional staff, each with a supervisor (the atasan who rates them);
* true performance per employee: ``true_hasil`` (work results) and
  ``true_perilaku`` (work behaviour), correlated;
* objective hasil kerja: IKI realisation in percent of target
  (``iki_kuantitas``, ``iki_kualitas``, ``iki_waktu``) that depends on
  ``true_hasil`` only, never on a rater;
* rater tendencies: leniency (+) or severity (-) on the 1-5 score scale, halo
  (one overall impression spread over all indicators) and central tendency
  (compressed spread), planted for a known subset of raters;
* a group disparity: a shift of the perilaku ratings of one gender that true
  behaviour does not explain (``disparity``);
* the two e-Kinerja ratings per employee and period, ``hasil_kerja`` and
  ``perilaku_kerja``, coded 1 = Di Bawah, 2 = Sesuai, 3 = Di Atas Ekspektasi, lenient
  overall as in the national data (about 95 % Baik or better).

Periods: four quarters (``2025-Q1`` .. ``2025-Q4``), in which the atasan gives the
two e-Kinerja ratings and the IKI realisation, and the year (``2025``), in which
the atasan, two peers (rekan) and the employee (diri) also score the seven
BerAKHLAK values on a 1-5 scale.

The score model for a BerAKHLAK value ``k`` of employee ``i`` by rater ``r`` is::

    perceived = (1 - halo_r) * (true_perilaku_i + u_ik) + halo_r * impression_ri
    y         = 3 + 0.9 * spread_r * perceived + leniency_r + disparity * [group_i] + e
    score     = clip(round(y), 1, 5)

with ``u_ik ~ N(0, 0.5)``, ``e ~ N(0, 0.45)``, ``impression_ri = (true_hasil_i +
true_perilaku_i) / sqrt(2) + N(0, 0.3)``; self-ratings add ``self_bias``.

Examples
--------
>>> syn = generate(n_employees=200, seed=1)
>>> syn.dataset.report.rows_rejected
0
>>> set(syn.truth.raters["kind"]) >= {"lenient", "severe", "none"}
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from workbench.data.contract import RATING_COLUMNS
from workbench.data.dataset import Dataset

__all__ = ["BERAKHLAK", "UNITS", "Synthetic", "Truth", "generate", "write_messy", "write_sample"]

BERAKHLAK: tuple[str, ...] = (
    "berorientasi_pelayanan", "akuntabel", "kompeten", "harmonis", "loyal", "adaptif", "kolaboratif",
)
"""The seven BerAKHLAK core values, as indicator ids."""

IKI: tuple[str, ...] = ("iki_kuantitas", "iki_kualitas", "iki_waktu")
"""Hasil kerja indicators: realisation of the IKI in percent of target."""

UNITS: tuple[tuple[str, float], ...] = (
    ("Sekretariat Daerah", 0.08), ("Inspektorat", 0.04), ("Bappeda", 0.04), ("BKPSDM", 0.04),
    ("BPKAD", 0.05), ("Dinas Pendidikan", 0.25), ("Dinas Kesehatan", 0.18), ("Dinas PUPR", 0.07),
    ("Dinas Sosial", 0.05), ("Disdukcapil", 0.05), ("Dinas Perhubungan", 0.06), ("Satpol PP", 0.09),
)
"""The twelve OPD of Kota Contoh and their shares of the workforce."""

_FIRST_L = ("Agus", "Budi", "Dedi", "Eko", "Fajar", "Hendra", "Irfan", "Joko", "Rudi", "Slamet", "Teguh",
            "Wahyu", "Yusuf", "Andi", "Rizki", "Bambang", "Hadi", "Arif", "Dimas", "Gilang")
_FIRST_P = ("Ani", "Dewi", "Endang", "Fitri", "Indah", "Kartika", "Lestari", "Maya", "Nur", "Putri", "Rina",
            "Sari", "Siti", "Wulan", "Yuni", "Ratna", "Ayu", "Diah", "Nadia", "Tri")
_LAST = ("Santoso", "Wijaya", "Saputra", "Hidayat", "Kurniawan", "Pratama", "Setiawan", "Rahayu",
         "Susanti", "Nugroho", "Hakim", "Siregar", "Harahap", "Sitompul", "Manurung", "Tanjung",
         "Nasution", "Lubis", "Wibowo", "Purnomo", "Utami", "Handayani", "Gunawan", "Syahputra")
_GOL_PNS = {
    "JPT": ["IV/b", "IV/c", "IV/d"],
    "administrator": ["III/d", "IV/a", "IV/b"],
    "pengawas": ["III/b", "III/c", "III/d"],
    "pelaksana": ["II/a", "II/b", "II/c", "II/d", "III/a", "III/b"],
    "fungsional": ["III/a", "III/b", "III/c", "III/d", "IV/a", "IV/b"],
}
_GOL_PPPK = {"pelaksana": ["V", "VII"], "fungsional": ["IX", "X", "XI"]}


@dataclass(frozen=True)
class Truth:
    """What was planted.

    Attributes
    ----------
    employees
        ``employee_id, unit, gender, true_hasil, true_perilaku`` (standard normal scale).
    raters
        ``rater_id, leniency`` (score units, + = generous), ``halo`` (0-1),
        ``spread`` (1 = normal, < 1 = central tendency), ``kind`` (``lenient``,
        ``severe``, ``halo``, ``central`` or ``none``), ``n_ratees``.
    params
        The generator's arguments (seed, disparity, ...).
    """

    employees: pd.DataFrame
    raters: pd.DataFrame
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Synthetic:
    """A generated :class:`~workbench.data.dataset.Dataset` with its :class:`Truth`."""

    dataset: Dataset
    truth: Truth


def _nips(rng: np.random.Generator, birth: np.ndarray, gender: np.ndarray, start_year: np.ndarray) -> np.ndarray:
    n = len(birth)
    month = rng.integers(1, 13, n)
    day = rng.integers(1, 29, n)
    tmt_month = rng.choice([1, 3, 4, 12], n)
    base = np.char.add(
        np.char.add(np.char.zfill(birth.astype(str), 4), np.char.zfill(month.astype(str), 2)),
        np.char.zfill(day.astype(str), 2))
    base = np.char.add(base, np.char.add(start_year.astype(str), np.char.zfill(tmt_month.astype(str), 2)))
    base = np.char.add(base, np.where(gender == "L", "1", "2"))
    # the sequence number increments only when the first 15 digits collide
    seq = pd.Series(base).groupby(base).cumcount().to_numpy() + 1
    return np.char.add(base, np.char.zfill(seq.astype(str), 3))


def _hierarchy(rng: np.random.Generator, n: int, units: tuple[tuple[str, float], ...]) -> pd.DataFrame:
    shares = np.array([s for _, s in units], dtype=float)
    sizes = np.maximum(8, np.round(shares / shares.sum() * n).astype(int))
    rows = []
    for (unit, _), size in zip(units, sizes, strict=True):
        n_adm = max(1, round(size / 45))
        n_peng = max(n_adm, round(size / 11))
        n_staff = size - 1 - n_adm - n_peng
        func_share = 0.75 if unit in ("Dinas Pendidikan", "Dinas Kesehatan") else 0.3
        staff_kind = np.where(rng.random(n_staff) < func_share, "fungsional", "pelaksana")
        kinds = ["JPT"] + ["administrator"] * n_adm + ["pengawas"] * n_peng + list(staff_kind)
        level = [0] + [1] * n_adm + [2] * n_peng + [3] * n_staff
        rows.append(pd.DataFrame({"unit": unit, "jabatan": kinds, "level": level}))
    org = pd.concat(rows, ignore_index=True)
    org["pos"] = np.arange(len(org))
    sup = np.full(len(org), -1)
    for _unit, g in org.groupby("unit", sort=False):
        pos = g["pos"].to_numpy()
        lvl = g["level"].to_numpy()
        for child, parent in ((1, 0), (2, 1), (3, 2)):
            kids, parents = pos[lvl == child], pos[lvl == parent]
            sup[kids] = parents[np.arange(len(kids)) % len(parents)]
    org["sup_pos"] = sup
    return org


def generate(
    n_employees: int = 1200,
    year: int = 2025,
    seed: int = 20250101,
    units: tuple[tuple[str, float], ...] = UNITS,
    share_lenient: float = 0.08,
    share_severe: float = 0.05,
    share_halo: float = 0.08,
    share_central: float = 0.08,
    effect_size: float = 0.8,
    leniency_sd: float = 0.1,
    disparity: float = -0.35,
    disparity_group: str = "P",
    self_bias: float = 0.4,
    n_peers: int = 2,
    rater_effects: bool = True,
) -> Synthetic:
    """Generate a city's appraisal data with known truth.

    Parameters
    ----------
    n_employees
        Approximate number of ASN (each unit has at least 8).
    year
        The appraisal year; periods are ``{year}-Q1`` .. ``{year}-Q4`` and ``{year}``.
    seed
        Seed of the random generator; the same seed gives the same data.
    units
        ``(name, share)`` of each unit.
    share_lenient, share_severe, share_halo, share_central
        Shares of raters with a planted tendency (disjoint groups).
    effect_size
        Size of a planted leniency (+) or severity (-), in score units (1-5 scale).
    leniency_sd
        Spread of the small, unplanted leniency of every other rater.
    disparity
        Shift of perilaku ratings (score units) given by atasan and peers to
        employees of ``disparity_group`` that true behaviour does not explain.
    disparity_group
        ``"P"`` (women) or ``"L"`` (men).
    self_bias
        How much higher employees rate themselves (score units).
    n_peers
        Peers (rekan) who score each employee's BerAKHLAK values in the year.
    rater_effects
        ``False`` plants no rater tendency at all (for checking false-flag rates).

    Returns
    -------
    Synthetic
        ``.dataset`` (a validated :class:`Dataset`) and ``.truth``.
    """
    rng = np.random.default_rng(seed)
    org = _hierarchy(rng, n_employees, units)
    n = len(org)
    gender = np.where(rng.random(n) < 0.54, "P", "L")
    age = np.clip(rng.normal(42, 9, n).round(), 23, 58).astype(int)
    age = np.where(org["level"].to_numpy() == 0, np.maximum(age, 45), age)
    birth = year - age
    start = np.minimum(year - 1, birth + rng.integers(22, 32, n))
    kinds = org["jabatan"].to_numpy()
    pppk = np.isin(kinds, ["pelaksana", "fungsional"]) & (rng.random(n) < 0.25)
    gol = np.array([rng.choice(_GOL_PPPK[k]) if p else rng.choice(_GOL_PNS[k]) for k, p in zip(kinds, pppk, strict=True)])
    ids = _nips(rng, birth, gender, np.where(pppk, np.maximum(start, 2019), start))
    names = np.where(gender == "L", rng.choice(_FIRST_L, n), rng.choice(_FIRST_P, n))
    names = np.char.add(np.char.add(names, " "), rng.choice(_LAST, n))
    sekda = org.index[(org["unit"] == units[0][0]) & (org["level"] == 0)][0]
    sup_pos = org["sup_pos"].to_numpy().copy()
    sup_pos[(org["level"].to_numpy() == 0)] = sekda
    supervisor = np.where(sup_pos >= 0, ids[np.maximum(sup_pos, 0)], "WALIKOTA")
    supervisor[sekda] = "WALIKOTA"

    true_hasil = rng.normal(0, 1, n)
    true_perilaku = 0.5 * true_hasil + np.sqrt(1 - 0.25) * rng.normal(0, 1, n)
    group = gender == disparity_group

    # raters: every employee may rate (peers, self); supervisors also rate as atasan
    rater_ids = np.concatenate([ids, ["WALIKOTA"]])
    m = len(rater_ids)
    kind = np.full(m, "none", dtype=object)
    leniency = rng.normal(0, leniency_sd, m) if rater_effects else np.zeros(m)
    halo = np.full(m, 0.15) if rater_effects else np.zeros(m)
    spread = np.ones(m)
    if rater_effects:
        order = rng.permutation(m)
        cuts = np.cumsum([share_lenient, share_severe, share_halo, share_central]) * m
        groups = np.split(order, cuts.round().astype(int))
        kind[groups[0]], leniency[groups[0]] = "lenient", effect_size
        kind[groups[1]], leniency[groups[1]] = "severe", -effect_size
        kind[groups[2]], halo[groups[2]] = "halo", 0.85
        kind[groups[3]], spread[groups[3]] = "central", 0.35
    rpos = {r: i for i, r in enumerate(rater_ids)}

    # peers: colleagues with the same supervisor (else the same unit)
    emp_pos = np.arange(n)
    frame = pd.DataFrame({"pos": emp_pos, "key": supervisor, "unit": org["unit"].to_numpy()})
    frame["rank"] = frame.groupby("key").cumcount()
    frame["size"] = frame.groupby("key")["pos"].transform("size")
    peers = []
    for j in range(1, n_peers + 1):
        shifted = frame.copy()
        ok = shifted["size"] > j
        target_rank = (shifted["rank"] + j) % shifted["size"]
        lookup = frame.set_index(["key", "rank"])["pos"]
        idx = pd.MultiIndex.from_arrays([shifted["key"], target_rank])
        peer = lookup.reindex(idx).to_numpy()
        fallback = frame.groupby("unit")["pos"].transform(lambda s, j=j: np.roll(s.to_numpy(), -j))
        peers.append(np.where(ok, peer, fallback.to_numpy()).astype(int))

    def _score(emp: np.ndarray, rater: np.ndarray, role_bias: np.ndarray | float, latent: np.ndarray,
               impression: np.ndarray) -> np.ndarray:
        h, c, lam = halo[rater], spread[rater], leniency[rater]
        perceived = (1 - h) * latent + h * impression
        y = 3 + 0.9 * c * perceived + lam + role_bias + rng.normal(0, 0.45, len(emp))
        return np.clip(np.rint(y), 1, 5)

    records: list[pd.DataFrame] = []
    periods = [f"{year}-Q{q}" for q in range(1, 5)] + [str(year)]
    atasan_pos = np.array([rpos[s] for s in supervisor])
    for period in periods:
        noise_h = rng.normal(0, 0.55, n)
        noise_p = rng.normal(0, 0.55, n)
        lam = leniency[atasan_pos]
        z_h = true_hasil + noise_h + lam / 0.8 * spread[atasan_pos]
        z_p = true_perilaku + noise_p + (lam + disparity * group) / 0.8
        hk = np.where(z_h > 1.45, 3, np.where(z_h < -2.3, 1, 2))
        pk = np.where(z_p > 1.45, 3, np.where(z_p < -2.45, 1, 2))
        for ind, vals in (("hasil_kerja", hk), ("perilaku_kerja", pk)):
            records.append(pd.DataFrame({"period": period, "employee_id": ids, "rater_id": supervisor,
                                         "rater_role": "atasan", "indicator": ind, "score": vals.astype(float)}))
        for ind in IKI:
            real = np.clip(100 + 9 * true_hasil + rng.normal(0, 5, n), 40, 130).round(1)
            records.append(pd.DataFrame({"period": period, "employee_id": ids, "rater_id": supervisor,
                                         "rater_role": "atasan", "indicator": ind, "score": real}))
        if period != str(year):
            continue
        impression = {}
        raters_by_role = [("atasan", atasan_pos, disparity * group)]
        raters_by_role += [("rekan", np.array([rpos[ids[p]] for p in peer]), disparity * group) for peer in peers]
        raters_by_role += [("diri", np.array([rpos[i] for i in ids]), np.full(n, self_bias))]
        for role, rpos_arr, bias in raters_by_role:
            key = (role, id(rpos_arr))
            impression[key] = (true_hasil + true_perilaku) / np.sqrt(2) + rng.normal(0, 0.3, n)
            for ind in BERAKHLAK:
                latent = true_perilaku + rng.normal(0, 0.5, n)
                scores = _score(emp_pos, rpos_arr, bias, latent, impression[key])
                records.append(pd.DataFrame({"period": period, "employee_id": ids,
                                             "rater_id": rater_ids[rpos_arr], "rater_role": role,
                                             "indicator": ind, "score": scores}))
    ratings = pd.concat(records, ignore_index=True)[list(RATING_COLUMNS)]
    roster_one = pd.DataFrame({
        "employee_id": ids, "unit": org["unit"].to_numpy(), "jabatan": kinds, "golongan": gol,
        "gender": gender, "birth_year": birth, "supervisor_id": supervisor, "name": names,
        "status": np.where(pppk, "PPPK", "PNS"),
    })
    roster = pd.concat([roster_one.assign(period=p) for p in periods], ignore_index=True)
    ds = Dataset.trusted(ratings, roster, name="kota_contoh", source="workbench.data.synth.generate")
    n_ratees = ratings[ratings["period"] == str(year)].groupby("rater_id")["employee_id"].nunique()
    raters = pd.DataFrame({"rater_id": rater_ids, "leniency": leniency, "halo": halo, "spread": spread,
                           "kind": kind.astype(str)})
    raters["n_ratees"] = raters["rater_id"].map(n_ratees).fillna(0).astype(int)
    raters = raters[raters["n_ratees"] > 0].reset_index(drop=True)
    employees = pd.DataFrame({"employee_id": ids, "unit": org["unit"].to_numpy(), "gender": gender,
                              "true_hasil": true_hasil, "true_perilaku": true_perilaku})
    params = {"n_employees": n_employees, "year": year, "seed": seed, "share_lenient": share_lenient,
              "share_severe": share_severe, "share_halo": share_halo, "share_central": share_central,
              "effect_size": effect_size, "leniency_sd": leniency_sd, "disparity": disparity,
              "disparity_group": disparity_group, "self_bias": self_bias, "n_peers": n_peers,
              "rater_effects": rater_effects}
    return Synthetic(dataset=ds, truth=Truth(employees=employees, raters=raters, params=params))


def write_sample(syn: Synthetic, folder: str | Path) -> Path:
    """Write a generated dataset as a sample folder: ratings, roster and ``truth/``.

    Ratings go to ``ratings.parquet`` (compact), the roster to ``roster.csv``, the
    truth to ``truth/employees.csv``, ``truth/raters.csv`` and ``truth/params.csv``.
    """
    folder = Path(folder)
    (folder / "truth").mkdir(parents=True, exist_ok=True)
    ratings = syn.dataset.ratings.copy()
    ratings["rater_role"] = ratings["rater_role"].astype(str)
    ratings.to_parquet(folder / "ratings.parquet", index=False, compression="zstd")
    syn.dataset.roster.to_csv(folder / "roster.csv", index=False)
    syn.truth.employees.to_csv(folder / "truth" / "employees.csv", index=False, float_format="%.6f")
    syn.truth.raters.to_csv(folder / "truth" / "raters.csv", index=False, float_format="%.6f")
    pd.Series(syn.truth.params, name="value").rename_axis("param").to_csv(folder / "truth" / "params.csv")
    return folder


def write_messy(syn: Synthetic, path: str | Path, n_rows: int = 60) -> pd.DataFrame:
    """Write a deliberately messy e-Kinerja-style CSV and return the list of planted problems.

    The file is one row per employee (wide: ``Rating Hasil Kerja``, ``Rating
    Perilaku``), Windows-1252 encoded, ``;``-separated with a title line, and it
    plants every kind of mess the loader handles: NIPs with spaces, a NIP in
    scientific notation, labels spelled ``Diatas Ekspektasi``, a score that is not
    a rating, a bad period, an exact duplicate row, a conflicting duplicate, a
    header repeated mid-file and empty trailing rows.

    Returns
    -------
    DataFrame
        ``line, problem``: where each problem was planted (1-based file lines).
    """
    ds = syn.dataset
    year = ds.periods[0]
    r = ds.ratings[(ds.ratings["period"] == year) & ds.ratings["indicator"].isin(["hasil_kerja", "perilaku_kerja"])]
    wide = r.pivot_table(index=["employee_id", "rater_id"], columns="indicator", values="score").reset_index()
    ro = ds.roster[ds.roster["period"] == year].set_index("employee_id")
    wide = wide.head(n_rows)
    labels = {1.0: "Di Bawah Ekspektasi", 2.0: "Sesuai Ekspektasi", 3.0: "Di Atas Ekspektasi"}
    out = pd.DataFrame({
        "NIP": wide["employee_id"].to_numpy(),
        "Nama": ro.loc[wide["employee_id"], "name"].to_numpy(),
        "Unit Kerja": ro.loc[wide["employee_id"], "unit"].to_numpy(),
        "Jabatan": ro.loc[wide["employee_id"], "jabatan"].str.capitalize().to_numpy(),
        "Gol/Ruang": ro.loc[wide["employee_id"], "golongan"].to_numpy(),
        "NIP Penilai": wide["rater_id"].to_numpy(),
        "Periode": year,
        "Rating Hasil Kerja": wide["hasil_kerja"].map(labels).to_numpy(),
        "Rating Perilaku": wide["perilaku_kerja"].map(labels).to_numpy(),
    }).astype(str)
    planted = []
    header_lines = 2  # a title line, then the header

    def line(i: int) -> int:
        return header_lines + 1 + i

    out.loc[1, "NIP"] = f"{out.loc[1, 'NIP'][:8]} {out.loc[1, 'NIP'][8:14]} {out.loc[1, 'NIP'][14]} {out.loc[1, 'NIP'][15:]}"
    planted.append((line(1), "nip_with_spaces (kept)"))
    out.loc[3, "NIP"] = f"{float(out.loc[3, 'NIP']):.5E}".replace(".", ",")
    planted.append((line(3), "id_scientific_notation"))
    out.loc[4, "Rating Hasil Kerja"] = "DIATAS EKSPEKTASI"
    out.loc[5, "Rating Perilaku"] = "diatas  ekspektasi"
    planted.append((line(4), "label spelling (kept)"))
    out.loc[6, "Rating Hasil Kerja"] = "tiga"
    planted.append((line(6), "score_not_numeric"))
    out.loc[7, "Periode"] = "Tahun Ini"
    planted.append((line(7), "period_invalid"))
    out.loc[8, "NIP"] = out.loc[8, "NIP"][:15] + "9" + out.loc[8, "NIP"][16:]
    out.loc[9, "NIP"] = out.loc[9, "NIP"][:14] + "3" + out.loc[9, "NIP"][15:]
    planted.append((line(9), "nip_gender_digit (warning)"))
    rows = out.to_dict("records")
    rows.insert(12, dict(rows[11]))
    planted.append((line(12), "duplicate_row"))
    conflict = dict(rows[15])
    conflict["Rating Hasil Kerja"] = "Di Bawah Ekspektasi" if rows[15]["Rating Hasil Kerja"] != "Di Bawah Ekspektasi" else "Sesuai Ekspektasi"
    rows.insert(16, conflict)
    planted.append((line(15), "conflicting_duplicate"))
    planted.append((line(16), "conflicting_duplicate"))
    rows.insert(30, {c: c for c in out.columns})
    planted.append((line(30), "repeated_header"))
    body = pd.DataFrame(rows, columns=out.columns)
    text = "REKAP PENILAIAN KINERJA PEGAWAI KOTA CONTOH " + year + "\n"
    text += body.to_csv(sep=";", index=False, lineterminator="\n")
    text += ";;;;;;;;\n;;;;;;;;\n"
    n_body = len(body)
    planted.append((header_lines + n_body + 1, "blank_row"))
    planted.append((header_lines + n_body + 2, "blank_row"))
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_bytes(text.encode("cp1252"))
    return pd.DataFrame(planted, columns=["line", "problem"])
