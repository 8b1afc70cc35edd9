"""Why a region's figures from an older regional division are not shown (plain Dutch, on the profile).

The build decides per code and older division whether the code still names the same area
(pipelines/division_identity.py -> mart_division_identity). Where it refused, the values of every table on that
division are left out of this region's profile, percentiles, models, peers and trends; this module says so.
"""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard.core import db

MISSING = "niet getoond: in de indeling van {year} was dit mogelijk een ander gebied"
NOUN = {"buurt": "buurtcode", "wijk": "wijkcode", "gemeente": "gemeentecode"}


def refused_joins(code: str, build_dir: Path | None = None) -> pd.DataFrame:
    """The refused joins of one region code: boundary_year, level, rule, reason and the tables on that
    division that have this code (table_ids, titles). Most codes have no refused join: the release's codes that
    have one (refused_codes) answer that, before mart_division_refused (a scan of every value) is read."""
    if code not in refused_codes(build_dir):
        return pd.DataFrame(columns=REFUSED_COLUMNS)
    return db.query(_REFUSED_SQL, [code], build_dir=build_dir)


_refused_codes: dict[Path, frozenset] = {}   # per release file; the two newest kept


def refused_codes(build_dir: Path | None = None) -> frozenset:
    """The region codes with a refused older division in the current release (~900 codes), read once per release
    file and process (~3 ms): a look-up in mart_division_identity per profile was ~1.3 ms of CPU (issue #10)."""
    path = db.current_path(build_dir)
    found = _refused_codes.get(path)
    if found is None:
        found = frozenset(c for (c,) in db.rows("select distinct region_code from mart_division_identity "
                                                "where not accepted", build_dir=build_dir))
        if db.current_path(build_dir) == path:   # a refresh published meanwhile: read again next time
            _refused_codes[path] = found
            for old in list(_refused_codes)[:-2]:
                _refused_codes.pop(old, None)
    return found


REFUSED_COLUMNS = ["boundary_year", "level", "rule", "reason", "table_ids", "titles"]
_REFUSED_SQL = """
        select d.boundary_year, d.level, d.rule, d.reason,
               string_agg(distinct j.table_id, ', ' order by j.table_id) as table_ids,
               string_agg(distinct s.title, '; ' order by s.title) as titles
        from mart_division_identity d
        join mart_division_refused j on j.region_code = d.region_code and j.boundary_year = d.boundary_year
        left join mart_sources s on s.table_id = j.table_id
        where d.region_code = ? and not d.accepted
        group by all order by d.boundary_year"""


def missing_text(boundary_year) -> str:
    """The short text in place of a refused value."""
    return MISSING.format(year=int(boundary_year)) if pd.notna(boundary_year) else MISSING.format(year="toen")


def note_paragraphs(refused: pd.DataFrame, name: str) -> list[str]:
    """The note: why codes can name another area, per refused older division which figures are left out and
    the evidence, and what that means for this page."""
    if refused.empty:
        return []
    noun = NOUN.get(str(refused["level"].iloc[0]), "code")
    years = " en ".join(str(int(y)) for y in refused["boundary_year"])
    out = [f"**Cijfers uit de indeling van {years} tonen we hier niet.** Gemeenten delen hun buurten soms opnieuw "
           f"in en gebruiken een {noun} dan opnieuw voor een ander stuk. Voor deze code is niet zeker dat het nog "
           "hetzelfde gebied is:"]
    out.append("\n".join(f"- **Indeling {int(r.boundary_year)}** ({r.titles}, tabel {r.table_ids}): {r.reason}"
                          for r in refused.itertuples()))
    out.append(f"Daarom staan die cijfers niet bij {name}. Ze tellen ook niet mee in de vergelijking met andere "
               "buurten, de samenvatting, ‘beter dan verwacht’, vergelijkbare buurten en de ontwikkeling door de "
               "tijd.")
    return out


@st.cache_data(max_entries=256, ttl=timedelta(hours=6), show_spinner=False)
def _cached_refused(release: str, code: str) -> pd.DataFrame:
    return refused_joins(code)


def cached_refused(code: str) -> pd.DataFrame:
    """refused_joins(code), cached per release (a code without a refused division: no cache entry to copy)."""
    if code not in refused_codes():
        return pd.DataFrame(columns=REFUSED_COLUMNS)
    return _cached_refused(db.release_key(), code)


def render_division_note(code: str, name: str) -> None:
    """An info box on the profile when figures of an older division were refused for this code."""
    refused = cached_refused(code)
    if refused.empty:
        return
    st.info("\n\n".join(note_paragraphs(refused, name)), icon=":material/info:")
