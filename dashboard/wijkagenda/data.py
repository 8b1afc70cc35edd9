"""What the wijkagenda reads from the CBS release (mart_* views) and from the Bewonerskaart; the only I/O besides
store.py. Baselines are frozen here: copied out of the release at the moment they are chosen, never re-read.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from dashboard.core.db import query

from . import model


def _clean(value: object) -> object:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and value != value:
        return None
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    return value


def region(code: str, build_dir: Path | None = None) -> dict | None:
    rows = query("select region_code, level, name, gemeente_name, wijk_code, wijk_name from mart_regions "
                 "where region_code = ?", [code], build_dir)
    return None if rows.empty else {k: _clean(v) for k, v in rows.iloc[0].items()}


def buurten_in(code: str, build_dir: Path | None = None) -> pd.DataFrame:
    """The region itself and, for a wijk, its buurten (code, name): the choices of a conversation's place."""
    return query("select region_code, name, level from mart_regions where region_code = ? or wijk_code = ? "
                 "order by level desc, name", [code, code], build_dir)


def indicator_choices(code: str, build_dir: Path | None = None) -> pd.DataFrame:
    """Figures of this region that can be followed: a value in the default age group, not hidden.
    Asset lens first (then problem, then context), as on the profile."""
    return query("""select indicator_id, label, lens, unit, period, table_id, boundary_year, value, modelled
                    from mart_profile where region_code = ? and is_default_group and not hidden and value is not null
                    order by case lens when 'asset' then 0 when 'problem' then 1 else 2 end, label""",
                 [code], build_dir)


def freeze(code: str, indicator_id: str, today: date, build_dir: Path | None = None) -> dict:
    """The baseline of one figure as it is now: value, margins, period, table, series, boundary year.

    Raises model.ValidationError (Dutch) when this region has no value for it."""
    rows = query("""select p.indicator_id, p.label, p.unit, p.direction, p.modelled, p.region_code, p.age_group,
                           p.value, p.lower, p.upper, p.period, p.table_id, p.boundary_year, s.series,
                           c.rounding, p.round_lower, p.round_upper
                    from mart_profile p left join mart_indicator_series s
                      on s.region_code = p.region_code and s.indicator_id = p.indicator_id
                     and s.age_group = p.age_group and s.period = p.period and s.table_id = p.table_id
                    left join mart_catalogue c on c.indicator_id = p.indicator_id
                    where p.region_code = ? and p.indicator_id = ? and p.is_default_group""",
                 [code, indicator_id], build_dir)
    if rows.empty or pd.isna(rows.iloc[0]["value"]):
        raise model.ValidationError([f"cijfer '{indicator_id}' heeft hier geen waarde; kies een ander cijfer"])
    row = {k: _clean(v) for k, v in rows.iloc[0].items()}
    row["frozen_on"] = today.isoformat()
    row["modelled"] = bool(row["modelled"])
    row["period"] = str(row["period"])
    row["boundary_year"] = int(row["boundary_year"])
    return row


def latest(baseline: dict, build_dir: Path | None = None) -> dict | None:
    """The newest row of the baseline's series (same region, figure, age group) in the current release."""
    params = [baseline["region_code"], baseline["indicator_id"], baseline["age_group"]]
    series = "s.series = ?" if baseline.get("series") else "s.table_id = ?"
    params.append(baseline.get("series") or baseline["table_id"])
    rows = query(f"""select period, value, lower, upper, boundary_year, table_id, missing_reason, round_lower,
                            round_upper
                     from mart_indicator_series s where region_code = ? and indicator_id = ? and age_group = ?
                     and {series} order by period desc, boundary_year desc limit 1""", params, build_dir)
    if rows.empty:
        return None
    row = {k: _clean(v) for k, v in rows.iloc[0].items()}
    if row["boundary_year"] is not None and baseline.get("boundary_year") is not None \
            and int(row["boundary_year"]) != int(baseline["boundary_year"]):
        row |= same_area(baseline["region_code"], int(baseline["boundary_year"]), build_dir)
    return row


def same_area(code: str, boundary_year: int, build_dir: Path | None = None) -> dict:
    """Does this code name the same area in the release's division as in `boundary_year`? The release's own check
    (mart_division_identity: names, population, density): {'same_area': True/False, 'area_reason': Dutch}, or
    same_area None when the release did not compare them (a code is not proof either way)."""
    rows = query("select accepted, reason from mart_division_identity where region_code = ? and boundary_year = ?",
                 [code, boundary_year], build_dir)
    if rows.empty or pd.isna(rows.iloc[0]["accepted"]):
        return {"same_area": None, "area_reason": None}
    return {"same_area": bool(rows.iloc[0]["accepted"]), "area_reason": _clean(rows.iloc[0]["reason"])}


def latest_for(agenda: dict, build_dir: Path | None = None) -> dict[tuple[str, str], dict | None]:
    """(priority id, indicator id) -> latest row, for every followed figure of the agenda."""
    return {(p["id"], b["indicator_id"]): latest(b, build_dir)
            for p in agenda.get("priorities") or [] for b in p.get("indicators") or []}


def prompts(code: str, build_dir: Path | None = None) -> list[str]:
    """The prompts on this region's gesprekskaart, then a general one for what fits no prompt."""
    from dashboard.gesprekskaart.build import pack_prompts

    try:
        found = pack_prompts(code, build_dir=build_dir)
    except Exception:  # noqa: BLE001 - the record must work even when the pack cannot be made
        found = []
    return [*found, GENERAL_PROMPT]


GENERAL_PROMPT = "Algemeen (bij geen van de vragen)"


def resident_assets(code: str) -> list[dict]:
    """Bewonerskaart items of this region as links: [{id, name, category}]."""
    from dashboard.bewoners.sections import assets_in

    try:
        return [{"id": a.id, "name": a.name, "category": a.category}
                for a in assets_in(code)]
    except Exception:  # noqa: BLE001 - an unreadable residents' file must not stop the agenda
        return []
