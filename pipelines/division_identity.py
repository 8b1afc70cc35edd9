"""Does a region code of an older regional division name the same area today? (pure; no I/O)

CBS and RIVM publish each table on the regional division (indeling) of its own year. After a redivision a
gemeente may reuse a buurt code for another area (BU07620400 in Deurne had 695 inwoners in KWB 2023 and 1,770
in KWB 2024; its address density went from 101 to 970). A value measured on an older division therefore joins
today's region only when evidence says the code still names the same area. `identity()` decides this once per
(region code, older boundary year), for every code that exists in both that division and today's division.

Rule, in this order (the first that applies decides):

1. Names, where both divisions have one. Different names (case, spacing and a province suffix "(O.)" aside)
   refuse the join. The shipped snapshot has names for the 2024 division, for every gemeente, and for
   Amsterdam's 2021 wijken and buurten (85163NED); it has no buurt or wijk names for the 2020 and 2023
   divisions, so for those the rules below decide.
2. Counter-evidence refuses, whatever else holds:
   - the same measure in the same period on both divisions disagrees by more than ESTIMATE_TOLERANCE
     percentage points (RIVM "goed ervaren gezondheid" 2020 in 50090NED, division 2020, against 50150NED,
     division 2024; e.g. BU06060701 Schiedam 85.6 vs 70.8);
   - population is not continuous and address density is not continuous either (or unknown), between the
     newest period on the older division and the first later period on today's division (KWB 2023 -> 2024).
3. Equal names accept.
4. Buurt: where the gemeente's set of buurt codes is the same in both divisions, the gemeente did not
   renumber and its codes name the same areas: accept. Where the set changed, a code found in both needs
   positive evidence: population AND address density continuous, or the two estimates agree. No evidence
   refuses.
   Wijk: accepted when it consists of the same buurt codes in both divisions and each of them is accepted, or
   on positive evidence as for a buurt.
   Gemeente (always named in the snapshot) is decided by rule 1-3.

Thresholds (chosen on the shipped snapshot, see README "Cross-division joins"):
- continuity of inwoners: |change| <= 50 or the larger at most 1.5 x the smaller. CBS rounds small-area
  inwoners to 5, and the KWB 2024 extract turned 0 into null, so a missing count next to a count of at most 50
  counts as continuous. Among buurten of gemeenten that kept their code set, 99 % change by less than x1.8
  (new housing); a new-build buurt with the same address density is still accepted there (rule 2 needs both).
- continuity of omgevingsadressendichtheid (addresses within 1 km, so it moves slowly): |change| <= 100 per
  km2 or at most x1.25 (99.5 % of buurten in unchanged gemeenten move less than x1.21).
- ESTIMATE_TOLERANCE = 5 percentage points: the snapshot has no RIVM margins; 50150NED is a re-estimation of
  the same survey, and among buurten of gemeenten that kept their code set 99.5 % of the differences with
  50090NED are at most 4.0 points. Larger differences are no longer re-estimation noise.

Population for the 2020 division is not in the snapshot, so RIVM 2020 joins rest on rule 4's code sets and
on the two estimates.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

import pandas as pd

POPULATION = "inwoners"
DENSITY = "omgevingsadressendichtheid"
# (indicator on the older division, indicator on today's division) that measure the same thing; compared in
# the newest period both have.
SAME_MEASURES = (("ervaren_gezondheid_goed", "goed_ervaren_gezondheid_trend"),)
# the only indicators identity() reads (the build keeps just these rows in memory)
EVIDENCE_INDICATORS = frozenset({POPULATION, DENSITY, *(i for pair in SAME_MEASURES for i in pair)})

IDENTITY_COLUMNS = ["region_code", "boundary_year", "level", "gemeente_code", "name_then", "name_now",
                    "names_compared", "code_set_unchanged", "population_then", "population_now",
                    "population_periods", "population_division", "density_then", "density_now", "estimate_then",
                    "estimate_now",
                    "estimate_period", "accepted", "rule", "reason"]


@dataclass(frozen=True)
class Thresholds:
    population_abs: float = 50.0
    population_ratio: float = 1.5
    density_abs: float = 100.0
    density_ratio: float = 1.25
    estimate_tolerance: float = 5.0


THRESHOLDS = Thresholds()
_SUFFIX = re.compile(r"\s*\([^)]*\)\s*$")


def normalise_name(name) -> str | None:
    """'Hengelo (O.)' and 'hengelo' are one name; None for no name."""
    if not isinstance(name, str) or not name.strip():
        return None
    return " ".join(_SUFFIX.sub("", name).casefold().split())


def _num(x) -> float | None:
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) else x


def continuous(then, now, abs_tol: float, ratio: float, *, null_is_small: bool = False) -> bool | None:
    """True when two counts are close (within abs_tol, or within a factor `ratio`), False when not, None when
    unknown. With null_is_small a missing value next to one of at most abs_tol is continuous (a 0 that the
    source left empty)."""
    a, b = _num(then), _num(now)
    if a is None or b is None:
        known = a if b is None else b
        return True if null_is_small and known is not None and known <= abs_tol else None
    lo, hi = min(a, b), max(a, b)
    return hi - lo <= abs_tol or hi <= ratio * lo


def _fmt(x: float | None, decimals: int = 0) -> str:
    if x is None:
        return "onbekend"
    return f"{x:,.{decimals}f}".replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")


def decide(row: dict, current_year: int, t: Thresholds = THRESHOLDS) -> tuple[bool, str, str]:
    """(accepted, rule, plain-Dutch reason) for one evidence row (see IDENTITY_COLUMNS)."""
    year = int(row["boundary_year"])
    pop_ok = continuous(row["population_then"], row["population_now"], t.population_abs,
                        t.population_ratio, null_is_small=True)
    dens_ok = continuous(row["density_then"], row["density_now"], t.density_abs, t.density_ratio)
    est_then, est_now = _num(row["estimate_then"]), _num(row["estimate_now"])
    est_ok = None if est_then is None or est_now is None else abs(est_then - est_now) <= t.estimate_tolerance
    if row["names_compared"] and normalise_name(row["name_then"]) != normalise_name(row["name_now"]):
        return False, "andere_naam", (f"In de indeling van {year} heette het gebied met deze code "
                                      f"‘{row['name_then']}’, nu ‘{row['name_now']}’. "
                                      "Het is dus een ander gebied.")
    if est_ok is False:
        return False, "schattingen_verschillen", (
            f"Voor {row['estimate_period']} schatten RIVM en CBS ‘goed ervaren gezondheid’ voor deze code op "
            f"{_fmt(est_then, 1)}% in de indeling van {year} en op {_fmt(est_now, 1)}% in de indeling van "
            f"{current_year}. Dat verschil is te groot (meer dan {_fmt(t.estimate_tolerance)} procentpunt) voor "
            "hetzelfde gebied.")
    periods = str(row["population_periods"] or "").split("-")
    then_p, now_p = (periods + ["", ""])[:2]
    if (pop_ok is False and dens_ok is not True) or (dens_ok is False and pop_ok is not True):
        borrowed = row.get("population_division")
        via = (f"De gemeente had in {year} en {int(borrowed)} dezelfde buurtcodes. "
               if borrowed is not None and int(borrowed) != year else "")
        return False, "inwoners_veranderd", via + (
            f"Met deze code woonden er in {then_p} {_fmt(_num(row['population_then']))} mensen en in {now_p} "
            f"{_fmt(_num(row['population_now']))}; de adressendichtheid ging van "
            f"{_fmt(_num(row['density_then']))} naar {_fmt(_num(row['density_now']))} per km². Dat past niet bij "
            "hetzelfde gebied.")
    if row["names_compared"]:
        return True, "naam_gelijk", "Zelfde naam in beide indelingen."
    if row["code_set_unchanged"]:
        return True, "codes_ongewijzigd", "De gemeente heeft dezelfde buurtcodes in beide indelingen."
    if pop_ok and dens_ok:
        return True, "inwoners_gelijk", "Aantal inwoners en adressendichtheid lopen door."
    if est_ok:
        return True, "schattingen_gelijk", "De schattingen in beide indelingen komen overeen."
    what = "wijk" if row["level"] == "wijk" else "buurt"
    return False, "geen_bewijs", (
        f"De gemeente heeft haar {what}en sinds {year} opnieuw ingedeeld. Er is geen gegeven dat laat zien dat "
        f"deze code nog hetzelfde gebied aanduidt als in {year}.")


def split_values(values: pd.DataFrame) -> dict[tuple[str, int], pd.DataFrame]:
    """The values per (indicator, boundary year), split once: evidence() selects from them ~30 times, and each
    selection on the whole frame cost a scan of its ~170,000 rows (README "Speed")."""
    empty = values.iloc[:0]
    split = {(str(i), int(y)): f for (i, y), f in values.groupby(["indicator_id", "boundary_year"], observed=True,
                                                                sort=False)}
    return _Split(split, empty)


class _Split(dict):
    """split_values(): a missing (indicator, year) is an empty frame with the values' columns."""

    def __init__(self, split: dict, empty: pd.DataFrame):
        super().__init__(split)
        self.empty = empty

    def __missing__(self, key):
        return self.empty


def _period_values(values: dict[tuple[str, int], pd.DataFrame], indicator: str, year: int, *, newest: bool = True,
                   nearest_to: str | None = None) -> tuple[pd.Series, str | None]:
    """Values of one indicator on division `year` in one period: the newest (or oldest), or with `nearest_to`
    the period closest in time to that one (the later on a tie). values: split_values()."""
    rows = values[(indicator, int(year))]
    periods = sorted(rows["period"].dropna().unique())
    if not periods:
        return pd.Series(dtype=float), None
    if nearest_to is not None:
        def key(p):  # '2023' or '2023JJ00' -> 2023
            return int(str(p)[:4]) if str(p)[:4].isdigit() else 0
        period = min(reversed(periods), key=lambda p: abs(key(p) - key(nearest_to)))
    else:
        period = periods[-1] if newest else periods[0]
    chosen = rows[rows["period"] == period].drop_duplicates("region_code")
    return chosen.set_index("region_code")["value"], period


def _same_measure(values: dict[tuple[str, int], pd.DataFrame], year: int, current_year: int
                  ) -> tuple[pd.Series, pd.Series, str | None]:
    """values: split_values()."""
    for old_id, new_id in SAME_MEASURES:
        old = values[(old_id, int(year))]
        old = old[old["is_default_group"].astype(bool)]
        new = values[(new_id, int(current_year))]
        new = new[new["is_default_group"].astype(bool)]
        common = sorted(set(old["period"].dropna()) & set(new["period"].dropna()))
        if common:
            p = common[-1]
            def pick(f: pd.DataFrame) -> pd.Series:
                return f[f["period"] == p].drop_duplicates("region_code").set_index("region_code")["value"]
            return pick(old), pick(new), p
    return pd.Series(dtype=float), pd.Series(dtype=float), None


def _code_sets(regions: pd.DataFrame, year: int, level: str, key_len: int) -> dict[str, frozenset]:
    """{code[2:key_len]: the set of `level` codes on division `year`} (per gemeente with key_len 6, per wijk 8)."""
    own = regions[(regions["boundary_year"] == year) & (regions["level"] == level)]
    sets: dict[str, set] = {}
    for code in own["region_code"].astype(object).tolist():
        sets.setdefault(code[2:key_len], set()).add(code)
    return {k: frozenset(v) for k, v in sets.items()}


def _memo_code_sets(regions: pd.DataFrame):
    """_code_sets of one regions frame, each computed once (identity() asks for the same sets per division)."""
    memo: dict[tuple, dict[str, frozenset]] = {}

    def sets(year: int, level: str, key_len: int) -> dict[str, frozenset]:
        if (year, level, key_len) not in memo:
            memo[(year, level, key_len)] = _code_sets(regions, year, level, key_len)
        return memo[(year, level, key_len)]
    return sets


def _unchanged(old: dict[str, frozenset], new: dict[str, frozenset], keys: list[str]) -> dict[str, bool]:
    """Per distinct key (computed once per key, not per row): it has a code set in `old` and the same one in `new`."""
    return {k: old.get(k) is not None and old.get(k) == new.get(k) for k in set(keys)}


def evidence(regions: pd.DataFrame, values: pd.DataFrame, year: int, current_year: int,
             code_sets=None, split=None) -> pd.DataFrame:
    """One row per code that exists on division `year` and on today's division (buurt, wijk, gemeente).
    code_sets: _memo_code_sets(regions) shared between calls (default: a new one); split: split_values(values)
    shared between calls (default: a new one)."""
    code_sets = code_sets or _memo_code_sets(regions)
    values = split if split is not None else split_values(values)
    old = regions[(regions["boundary_year"] == year) & regions["level"].isin(["buurt", "wijk", "gemeente"])]
    now = regions[regions["boundary_year"] == current_year].drop_duplicates("region_code").set_index("region_code")
    both = old[old["region_code"].isin(now.index)].drop_duplicates("region_code").copy()
    codes = both["region_code"].astype(object)
    gm_old, gm_now = code_sets(year, "buurt", 6), code_sets(current_year, "buurt", 6)
    wk_old, wk_now = code_sets(year, "buurt", 8), code_sets(current_year, "buurt", 8)
    out = pd.DataFrame({"region_code": codes.to_numpy(), "boundary_year": year, "level": both["level"].to_numpy(),
                        "gemeente_code": ("GM" + codes.str[2:6]).to_numpy(), "name_then": both["name"].to_numpy(),
                        "name_now": codes.map(now["name"]).to_numpy()})
    out["names_compared"] = out["name_then"].map(normalise_name).notna() & out["name_now"].map(normalise_name).notna()
    # plain lists: iterating an Arrow-backed string column yields one scalar at a time (slow)
    gm, wk = out["region_code"].str[2:6].tolist(), out["region_code"].str[2:8].tolist()
    gm_same, wk_same = _unchanged(gm_old, gm_now, gm), _unchanged(wk_old, wk_now, wk)
    out["code_set_unchanged"] = [gm_same[g] if lvl == "buurt" else wk_same[w] if lvl == "wijk" else False
                                 for lvl, g, w in zip(out["level"].tolist(), gm, wk)]
    out["population_division"] = None
    for col in ("population_then", "population_now", "density_then", "density_now"):
        out[col] = float("nan")
    out["population_periods"] = None
    # Population and address density on this division; a division without them (RIVM 2020) borrows them from
    # a later division on which the gemeente has exactly the same buurt codes (the same areas, by rule 4).
    between = sorted((y for y in regions["boundary_year"].unique()
                      if min(year, current_year) < y < max(year, current_year)), reverse=year > current_year)
    for source in [year] + [int(y) for y in between]:
        source = int(source)
        older = source < current_year  # compare the source's newest period with today's nearest, or vice versa
        pop_then, p_then = _period_values(values, POPULATION, source, newest=older)
        if not p_then:
            continue
        pop_now, p_now = _period_values(values, POPULATION, current_year, nearest_to=p_then)
        if not p_now:
            continue
        dens_then, d_then = _period_values(values, DENSITY, source, newest=older)
        dens_now, _ = (_period_values(values, DENSITY, current_year, nearest_to=d_then) if d_then
                       else (pd.Series(dtype=float), None))
        if source == year:
            usable = out["population_division"].isna()
        else:
            src_sets = code_sets(source, "buurt", 6)
            same = _unchanged(gm_old, src_sets, gm)
            usable = out["population_division"].isna() & pd.Series([same[g] for g in gm], index=out.index)
        if not usable.any():
            continue
        codes_u = out.loc[usable, "region_code"]
        for col, series in (("population_then", pop_then), ("population_now", pop_now),
                            ("density_then", dens_then), ("density_now", dens_now)):
            out.loc[usable, col] = codes_u.map(series).astype(float)
        out.loc[usable, "population_periods"] = f"{p_then}-{p_now}"
        out.loc[usable, "population_division"] = source
    est_then, est_now, est_period = _same_measure(values, year, current_year)
    out["estimate_then"] = out["region_code"].map(est_then)
    out["estimate_now"] = out["region_code"].map(est_now)
    out["estimate_period"] = est_period
    return out


def identity(regions: pd.DataFrame, values: pd.DataFrame, current_year: int,
             thresholds: Thresholds = THRESHOLDS, beside=None) -> pd.DataFrame:
    """The decision for every code of every older division that also exists today (IDENTITY_COLUMNS).

    regions: region_code, boundary_year, level, name (all divisions); values: the long indicator values
    (region_code, boundary_year, period, indicator_id, is_default_group, value). beside: pipelines/child.py
    start_in_child (or None): the older division with the most regions is then decided in a second process
    beside the others (README "Build wall time"); the same rows in the same order."""
    values = values.loc[values["indicator_id"].isin(EVIDENCE_INDICATORS) & values["is_default_group"].astype(bool),
                        ["region_code", "boundary_year", "period", "indicator_id", "is_default_group", "value"]]
    # indicator_id as a category: the many selections per indicator compare codes, not strings
    values = values.astype({"region_code": object, "indicator_id": "category", "period": object})
    regions = regions[["region_code", "boundary_year", "level", "name"]].astype(
        {"region_code": object, "level": object, "name": object})
    years = sorted(int(y) for y in regions["boundary_year"].unique() if y != current_year)
    inputs = (regions, values, current_year, thresholds, _memo_code_sets(regions), split_values(values))
    apart: list[int] = []
    if beside is not None and len(years) > 1:
        sizes = regions["boundary_year"].value_counts()
        apart = [max(years, key=lambda y: (sizes.get(y, 0), y))]
        wait, stop = beside(_decide_years, *inputs, apart)
    try:
        frames = _decide_years(*inputs, [y for y in years if y not in apart])
        if apart:
            frames.update(wait())
    finally:
        if apart:
            stop()
    frames = [frames[y] for y in years if y in frames]  # in year order, as if one process had decided them all
    if not frames:
        return pd.DataFrame(columns=IDENTITY_COLUMNS)
    out = pd.concat(frames, ignore_index=True)[IDENTITY_COLUMNS]
    out["accepted"] = out["accepted"].astype(bool)
    return out


def _decide_years(regions: pd.DataFrame, values: pd.DataFrame, current_year: int, thresholds: Thresholds,
                  code_sets, split, years: list[int]) -> dict[int, pd.DataFrame]:
    """identity()'s rows per older division in `years` (one without codes in today's division is left out)."""
    frames = {}
    for year in years:
        ev = evidence(regions, values, int(year), current_year, code_sets, split)
        if ev.empty:
            continue
        cols = list(ev.columns)
        records = (dict(zip(cols, row)) for row in zip(*(ev[c].astype(object).where(ev[c].notna(), None).tolist()
                                                         for c in cols)))
        decided = [decide(r, current_year, thresholds) for r in records]
        ev["accepted"] = [d[0] for d in decided]
        ev["rule"] = [d[1] for d in decided]
        ev["reason"] = [d[2] for d in decided]
        # a wijk whose buurten are all the same codes only names the same area when each of them does
        buurten = ev[ev["level"] == "buurt"]
        all_ok = buurten["accepted"].groupby(buurten["region_code"].str[2:8]).all()
        broken = (ev["level"] == "wijk") & (ev["rule"] == "codes_ongewijzigd") \
            & ~ev["region_code"].str[2:8].map(all_ok).eq(True)
        ev.loc[broken, "accepted"] = False
        ev.loc[broken, "rule"] = "buurten_geweigerd"
        ev.loc[broken, "reason"] = (f"Niet alle buurten van deze wijk zijn sinds {int(year)} hetzelfde gebied "
                                    "gebleven, dus de wijk ook niet.")
        frames[int(year)] = ev
    return frames
