"""make_pack: read one region from the release database and return the gesprekskaart as HTML.

The only I/O of the gesprekskaart besides pdf.py: it reads mart_* views through dashboard.core.db.query, then hands
plain rows to content.py (choose and word, with figures.py, lens_sections.py and wording.py), minimap.py and
render_html.py.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

import pandas as pd

from dashboard.core import queries
from dashboard.core.db import query
from dashboard.core.format import as_number, indicator_decimals
from pipelines.catalogue import load_catalogue

from .content import pack_content, peer_section
from .minimap import minimap_svg, shape
from .pack_parts import PackContent, PeerSection, Region
from .render_html import render_html
from .wording import file_name, fmt

REGION_CODE = re.compile(r"^(BU|WK|GM|NL)[0-9A-Z]{2,8}$")
MAX_PEERS = 5
PEER_COMPARISONS = 2


class RegionNotFound(KeyError):
    """The code is not a region of the current release."""


@dataclass(frozen=True)
class Pack:
    html: str
    title: str
    code: str = ""

    @property
    def filename(self) -> str:
        """A safe file name without extension, e.g. 'gesprekskaart-haarlemmerbuurt-oost-bu03630000'."""
        return file_name(self.title, self.code, "gesprekskaart")


def _records(frame: pd.DataFrame) -> list[dict]:
    return [{k: (None if v is pd.NA else v) for k, v in row.items()} for row in frame.to_dict("records")]


@lru_cache(maxsize=1)
def catalogue_rows() -> tuple[dict, ...]:
    """The catalogue file (labels, prompts) as rows, parsed once per process (~23 ms CPU). mart_catalogue has the
    same fields and is no scan: a view on the stored int_catalogue_table, ~2-4 ms CPU a read (measured on the
    shipped snapshot's build); the file is kept here as it was, not for speed."""
    return tuple({"indicator_id": i.id, "label": i.label, "lens": i.lens, "unit": i.unit, "prompt": i.prompt,
                  "landing": i.landing, "hidden": i.hidden, "rounding": i.rounding, "modelled": i.modelled}
                 for i in load_catalogue().indicators)


def _missing_status(code: str, profile: list[dict], build_dir: Path | None) -> dict[str, str]:
    """Why lens figures without a value are missing (geheim / andere_indeling / ontbreekt, from mart_map_values;
    alleen_gemeente for a buurt or wijk when only gemeenten have the figure and its gemeente does)."""
    have = {r["indicator_id"] for r in profile if as_number(r.get("value")) is not None}
    ids = [r["indicator_id"] for r in catalogue_rows() if r["lens"] != "context" and r["indicator_id"] not in have]
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    frame = query(f"select indicator_id, status from mart_map_values where region_code = ? "
                  f"and indicator_id in ({marks})", [code, *ids], build_dir)
    status = dict(frame.itertuples(index=False))
    if code.startswith(("BU", "WK")):
        # a figure no buurt has (the Kiesraad turnout) is known per gemeente only, as the profile says; it is not
        # missing because of this buurt's boundaries (a buurt new since 2023 has map status 'andere_indeling')
        only = query(f"""select c.indicator_id from mart_catalogue_table c join mart_map_values g
                            on g.indicator_id = c.indicator_id and g.region_code = ? and g.status = 'waarde'
                         where c.buurten_with_value = 0 and c.indicator_id in ({marks})""",
                     ["GM" + code[2:6], *ids], build_dir)
        status.update((ind, "alleen_gemeente") for ind in only["indicator_id"])
    return status


def profile_url(base_url: str, code: str) -> str:
    return f"{base_url.rstrip('/')}/?regio={quote(code)}"


def _region(code: str, build_dir: Path | None) -> Region:
    rows = _records(query("select * from mart_regions where region_code = ?", [code], build_dir))
    if not rows:
        raise RegionNotFound(f"Regio '{code}' staat niet in de gegevens")
    r = rows[0]
    return Region(code=code, name=r["name"], level=r["level"], gemeente_name=r.get("gemeente_name"),
                  wijk_name=r.get("wijk_name"), inwoners=as_number(r.get("inwoners")))


def _shapes(region: Region, build_dir: Path | None) -> str:
    code, gm = region.code, region.code[2:6]
    wanted = {"buurt": [("target", "region_code = ?", [code]),
                        ("neighbour", "level = 'buurt' and region_code like ? and region_code <> ?",
                         [f"BU{gm}%", code]),
                        ("background", "level = 'gemeente' and region_code <> ?", [f"GM{gm}"])],
              "wijk": [("target", "region_code = ?", [code]),
                       ("neighbour", "level = 'wijk' and region_code like ? and region_code <> ?", [f"WK{gm}%", code]),
                       ("inner", "level = 'buurt' and region_code like ?", [f"BU{code[2:]}%"]),
                       ("background", "level = 'gemeente' and region_code <> ?", [f"GM{gm}"])],
              "gemeente": [("target", "region_code = ?", [code]),
                           ("neighbour", "level = 'gemeente' and region_code <> ?", [code]),
                           ("inner", "level = 'wijk' and region_code like ?", [f"WK{gm}%"])]}.get(region.level, [])
    shapes = []
    for role, where, params in wanted:
        frame = query(f"select region_code, geometry from mart_region_shapes where {where}", params, build_dir)
        shapes += [shape(r.region_code, role, r.geometry) for r in frame.itertuples()]
    pad = {"buurt": 0.9, "wijk": 0.45, "gemeente": 0.12}.get(region.level, 0.3)
    return minimap_svg(shapes, pad=pad, label=f"Kaart van {region.name}")


def _peer_items(peers) -> tuple[list[str], list[str], list[str]]:
    """Normalise the peers argument: (codes, names, comparison lines given by the caller)."""
    if peers is None:
        return [], [], []
    comparison: list[str] = []
    if isinstance(peers, pd.DataFrame):
        peers = _records(peers)
    elif isinstance(peers, Mapping):
        extra = peers.get("comparison") or []
        comparison = [extra] if isinstance(extra, str) else list(extra)
        peers = peers.get("peers") or peers.get("names") or []
    codes, names = [], []
    for p in list(peers)[:MAX_PEERS]:
        if isinstance(p, str):
            (codes if REGION_CODE.match(p) else names).append(p)
        elif isinstance(p, Mapping):
            code = p.get("peer_code") or p.get("region_code") or p.get("code")  # stats.peers frames
            if p.get("name"):
                names.append(str(p["name"]))
            elif code:
                codes.append(str(code))
            if p.get("note") or p.get("comparison"):
                comparison.append(str(p.get("note") or p.get("comparison")))
    return codes, names, comparison


def _peer_section(peers, content: PackContent, build_dir: Path | None) -> PeerSection | None:
    codes, names, comparison = _peer_items(peers)
    if codes:
        marks = ",".join("?" * len(codes))
        found = query(f"select region_code, name, gemeente_name from mart_regions where region_code in ({marks})",
                      codes, build_dir).set_index("region_code")
        names += [f"{found.at[k, 'name']} ({found.at[k, 'gemeente_name']})" for k in codes if k in found.index]
        if not comparison:
            comparison = _peer_comparison(codes, content, build_dir)
    return peer_section(names, comparison)


def _peer_comparison(codes: list[str], content: PackContent, build_dir: Path | None) -> list[str]:
    """'Doet vrijwilligerswerk: hier 17,0%, in de vergelijkbare buurten gemiddeld 15,3%.' for the first figures."""
    figures = [*content.strengths.figures, *content.strengths.others][:PEER_COMPARISONS]
    if not figures:
        return []
    ids = [f.indicator_id for f in figures]
    frame = query(f"select indicator_id, avg(value) as mean from mart_profile where is_default_group "
                  f"and region_code in ({','.join('?' * len(codes))}) and indicator_id in ({','.join('?' * len(ids))})"
                  " group by indicator_id", [*codes, *ids], build_dir).set_index("indicator_id")
    return [f"{f.label}{' (geschat)' if f.modelled else ''}: hier {f.value_text}, in de vergelijkbare "
            f"{content.region.plural} gemiddeld "
            f"{fmt(float(frame.at[f.indicator_id, 'mean']), f.unit, indicator_decimals(f.indicator_id))}."
            for f in figures if f.indicator_id in frame.index and pd.notna(frame.at[f.indicator_id, "mean"])]


def _optional_sections(*arguments) -> int:
    return sum(1 for a in arguments if a is not None and len(a if not isinstance(a, Mapping) else [a]) > 0)


def make_pack(region_code: str, *, build_dir: Path | None = None, base_url: str = "http://127.0.0.1:8501",
              deviance=None, peers=None, resident_assets=None, today: date | None = None, density: int = 0) -> Pack:
    """The gesprekskaart of one buurt, wijk or gemeente.

    Parameters
    ----------
    region_code : BU…, WK… or GM… code of the current release
    build_dir : the build folder (default: pipelines.paths.build_dir())
    base_url : where the live dashboard runs; the pack links to `{base_url}/?regio={code}`
    deviance : optional 'Beter dan verwacht' result(s): a dict or list of dicts with indicator_label (or
        indicator_id), verdict (or flag, as from stats.deviance.for_buurt), observed, expected; only
        verdict "beter dan verwacht" is shown
    peers : optional list of peer names or codes, list of dicts (name / region_code, note), a DataFrame with
        region_code (stats.peers), or {"peers": [...], "comparison": "..."}; for codes, names and a
        comparison with the peers' average are looked up
    resident_assets : optional list of dicts or Asset objects with name, category, description
    today : the date printed on the pack (default: today)
    density : 0 = normal (compact content when two or more optional sections are given), 1 = compact content
        (fewer strengths, resident assets and table rows), 2 = compact content and tighter type, 3 = smaller type
        and spacing still (the fullest packs: every optional section and long prompts). pdf.pack_pdf
        raises it until the PDF has at most two pages.

    Raises
    ------
    RegionNotFound when the code is not in the release.
    """
    code = region_code.strip().upper()
    region = _region(code, build_dir)
    profile = _records(queries.profile(code, build_dir))  # with n_lower/n_higher/n_total among buurten
    catalogue = list(catalogue_rows())
    status = _missing_status(code, profile, build_dir)
    sources = query("select table_id, licence, snapshot_scope from mart_sources", None, build_dir)
    scoped = {r.table_id: r.snapshot_scope for r in sources.itertuples() if isinstance(r.snapshot_scope, str)}
    try:
        from dashboard.bewoners.model import CATEGORIES
    except ImportError:  # the Bewonerskaart is optional for the pack
        CATEGORIES = {}
    content = pack_content(
        region, profile, catalogue, today=today or date.today(), profile_url=profile_url(base_url, code),
        status=status, licences=dict(zip(sources.table_id, sources.licence)), scoped_tables=scoped,
        deviance=deviance, resident_assets=resident_assets, categories=CATEGORIES,
        compact=density >= 1 or _optional_sections(deviance, peers, resident_assets) >= 2)
    if peers is not None:
        content = replace(content, peers=_peer_section(peers, content, build_dir))
    title = f"Gesprekskaart {region.name}"
    html = render_html(content, map_svg=_shapes(region, build_dir), title=title, tight=density >= 2,
                       tightest=density >= 3)
    return Pack(html=html, title=title, code=code)


def pack_prompts(region_code: str, *, build_dir: Path | None = None) -> list[str]:
    """The conversation prompts printed on this region's gesprekskaart (both lenses), for the wijkagenda."""
    code = region_code.strip().upper()
    region = _region(code, build_dir)
    profile = _records(query("select * from mart_profile where region_code = ? order by indicator_id, age_group",
                             [code], build_dir))
    content = pack_content(region, profile, list(catalogue_rows()), today=date.today(), profile_url="",
                             status=_missing_status(code, profile, build_dir))
    return [p for lens in ("asset", "problem") for p in content.prompts[lens]]
