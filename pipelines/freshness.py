"""Is a table on CBS newer than the cached one, and is the fresh data not poorer than what it replaces?

Used by `python -m pipelines refresh` (cli.py): a table whose `Modified` date on CBS equals the cached one is not
fetched again, and a fresh table that covers clearly fewer regions, periods, catalogue indicators or values than
the version it replaces is refused (unless the user accepts the shrink).
"""
from __future__ import annotations

import re
from pathlib import Path

import cbsodata
import pandas as pd

from pipelines import catalogue, extract
from pipelines.cache import CacheError, read_table_cache


def live_modified(table: catalogue.Table, *, catalog_url: str | None = None, use_https: bool = True,
                  timeout: float = 30) -> str | None:
    """The `Modified` date CBS gives for a table now (one small TableInfos request), to skip unchanged tables."""
    host, scheme_https = extract.catalog_location(table, catalog_url)
    kwargs: dict = {"timeout": timeout}
    if re.match(r"^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$", host):
        kwargs["proxies"] = {}
    with extract._OPTIONS_LOCK:
        old_https = cbsodata.options.use_https
        cbsodata.options.use_https = use_https if scheme_https is None else scheme_https
        try:
            info = cbsodata.get_info(table.id, catalog_url=host, **kwargs)
        except Exception as exc:  # noqa: BLE001 - one readable line
            raise extract._as_extract_error(exc, f"Tabel {table.id} ({host})", 1, timeout, "TableInfos") from exc
        finally:
            cbsodata.options.use_https = old_https
    return (info or {}).get("Modified") or None


def cached_modified(folder: Path) -> str | None:
    """The `Modified` date of a cached table (None when unknown or not cached)."""
    infos = extract._read_part(Path(folder), "TableInfos") if (Path(folder) / "fetch.json").exists() else None
    return (infos or [{}])[0].get("Modified") or None


# "Clearly fewer": more than this share of the previous regions or values gone; any period or indicator gone.
SHRINK_TOLERANCE = 0.02


def coverage(long: pd.DataFrame) -> dict[str, int]:
    """What one table gives the release, from its long form (transform.table_to_long): regions, periods and
    catalogue indicators with at least one value, and the number of values."""
    present = long[long["value"].notna()]
    return {"regio's": int(present["region_code"].nunique()), "perioden": int(present["period"].nunique()),
            "indicatoren": int(present["indicator_id"].nunique()), "waarden": int(len(present))}


def shrink_problems(old: dict[str, int], new: dict[str, int]) -> list[str]:
    """Readable lines for every way the fresh table covers clearly less than the one it replaces."""
    problems = []
    for what in ("regio's", "perioden", "indicatoren", "waarden"):
        before, after = old.get(what, 0), new.get(what, 0)
        allowed = before * (1 - SHRINK_TOLERANCE) if what in ("regio's", "waarden") else before
        if after < allowed:
            problems.append(f"{after:,} {what} in plaats van {before:,}".replace(",", "."))
    return problems


def shrink(table: catalogue.Table, fresh: Path, previous: Path | None, cat: catalogue.Catalogue) -> list[str]:
    """How the fresh cache folder covers clearly less than the previous one (empty when it does not, or when
    there is no previous version)."""
    from pipelines.transform import SchemaError, table_to_long

    if previous is None:
        return []
    try:
        old = coverage(table_to_long(read_table_cache(previous), table, cat))
        new = coverage(table_to_long(read_table_cache(fresh), table, cat))
    except (CacheError, SchemaError, KeyError):
        return []  # a copy that does not fit the catalogue: the build reports it in one line
    return shrink_problems(old, new)
