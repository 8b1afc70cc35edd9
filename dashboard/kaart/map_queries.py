"""The Kaart's queries (its only input/output): the indicators, gemeenten, values and shapes of a map."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from dashboard.core import db

NL = "NL"  # the area code of a map of all of the Netherlands


def load_indicators(build_dir: Path | None = None) -> pd.DataFrame:
    return db.query("""select indicator_id, label, unit, direction, modelled, description, lens, rounding,
                              buurten_with_value
                       from mart_catalogue where not hidden order by label""", build_dir=build_dir)


def load_gemeenten(build_dir: Path | None = None) -> pd.DataFrame:
    return db.query("select region_code, name from mart_regions where level = 'gemeente' order by name",
                    build_dir=build_dir)


def load_values(indicator_id: str, level: str, build_dir: Path | None = None) -> pd.DataFrame:
    """Every region of `level` in NL for one indicator (the reference for the colour classes)."""
    return db.query("""select v.region_code, v.name, v.gemeente_code, v.period, v.boundary_year, v.value, v.upper,
                              v.status, v.missing_reason, v.round_lower, v.round_upper, v.table_id, s.attribution
                       from mart_map_values v left join mart_sources s using (table_id)
                       where v.indicator_id = ? and v.level = ? order by v.region_code""",
                    [indicator_id, level], build_dir=build_dir)


def gemeenten_have_figures(indicator_id: str, area: str, build_dir: Path | None = None) -> bool:
    """The gemeente level has a figure for this indicator in `area` (that gemeente; for NL: any gemeente)."""
    where = "" if area == NL else " and region_code = ?"
    return bool(db.rows(f"""select count(*) from mart_map_values where indicator_id = ? and level = 'gemeente'
                            and status = 'waarde'{where}""", [indicator_id] + ([] if area == NL else [area]),
                        build_dir=build_dir)[0][0])


def load_shapes(level: str, area: str, build_dir: Path | None = None) -> pd.DataFrame:
    """The shapes in view: coarse ones for all of NL; detailed ones in one gemeente (on a gemeente map: the
    gemeente and its neighbours)."""
    cols = "s.region_code, s.name, s.gemeente_code, s.min_lon, s.min_lat, s.max_lon, s.max_lat"
    if area == NL:
        return db.query(f"select {cols}, s.geometry_coarse as geometry from mart_region_shapes s "
                        "where level = ? order by region_code", [level], build_dir=build_dir)
    if level != "gemeente":
        return db.query(f"select {cols}, s.geometry from mart_region_shapes s where level = ? "
                        "and gemeente_code = ? order by region_code", [level, area], build_dir=build_dir)
    return db.query(f"""
        with box as (select *, greatest(max_lon - min_lon, max_lat - min_lat) as pad
                     from mart_region_shapes where region_code = ?)
        select {cols}, s.geometry from mart_region_shapes s, box b
        where s.level = 'gemeente' and s.max_lon >= b.min_lon - b.pad and s.min_lon <= b.max_lon + b.pad
          and s.max_lat >= b.min_lat - b.pad / 2 and s.min_lat <= b.max_lat + b.pad / 2
        order by s.region_code""", [area], build_dir=build_dir)

