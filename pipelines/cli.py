"""Command line: `python -m pipelines build` (offline, from the shipped snapshot) and `... refresh` (live CBS).

Every failure ends in one readable line and a non-zero exit code; the previous database keeps serving.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

from pipelines import paths, release
from pipelines.build import BuildError, build
from pipelines.catalogue import CatalogueError, load_catalogue

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m pipelines", description="Buurtbalans ETL: CBS -> DuckDB")
    sub = p.add_subparsers(dest="command")
    b = sub.add_parser("build", help="build the database from the cached tables (default: the shipped snapshot)")
    b.add_argument("--build-dir", type=Path, help="where release files and current.duckdb live")
    r = sub.add_parser("refresh", help="fetch tables live from CBS with cbsodata, then build")
    r.add_argument("--table", action="append", help="table id (repeatable); default: every catalogue table")
    r.add_argument("--year", action="append", help="only tables for this period/boundary year (repeatable)")
    r.add_argument("--catalog-url", default=os.environ.get("BUURTBALANS_CATALOG_URL"),
                   help="host[:port] of a CBS mirror or replay server (env BUURTBALANS_CATALOG_URL)")
    r.add_argument("--http", action="store_true", help="plain http (for a local replay server)")
    r.add_argument("--timeout", type=float, default=60.0, help="seconds per HTTP request (default 60)")
    r.add_argument("--retries", type=int, default=3)
    r.add_argument("--no-progress", action="store_true")
    r.add_argument("--build-dir", type=Path)
    s = sub.add_parser("status", help="show the current release and its sources")
    s.add_argument("--build-dir", type=Path)
    return p


def _select_tables(catalogue, ids: list[str] | None, years: list[str] | None) -> list:
    tables = list(catalogue.tables.values())
    if ids:
        unknown = [t for t in ids if t not in catalogue.tables]
        if unknown:
            raise SystemExit(f"fout: onbekende tabel {', '.join(unknown)}; kies uit {', '.join(catalogue.tables)}")
        tables = [catalogue.tables[t] for t in ids]
    if years:
        tables = [t for t in tables if str(t.period) in years or str(t.boundary_year) in years]
        if not tables:
            raise SystemExit(f"fout: geen catalogustabel voor jaar {', '.join(years)}")
    return tables


def _refresh(args, catalogue) -> int:
    from pipelines.extract import ExtractError, fetch_table  # requests/cbsodata only needed here

    tables = _select_tables(catalogue, args.table, args.year)
    cache = paths.cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=cache))
    try:
        for table in tables:
            stems = [s for ind in catalogue.indicators for src in ind.sources if src.table == table.id
                     for s in src.stems()]
            fetch_table(table, staging, catalog_url=args.catalog_url, use_https=not args.http,
                        timeout=args.timeout, retries=args.retries, progress=not args.no_progress, stems=stems)
        summary = build(roots=[staging, cache, paths.snapshot_dir() / "tables"],
                        build_dir=args.build_dir or paths.build_dir(), publish=False)
        for table in tables:  # the new release validated: keep the fetched tables, then publish
            target = cache / table.id
            old = cache / f".{table.id}-replaced"
            if target.exists():
                shutil.rmtree(old, ignore_errors=True)
                os.replace(target, old)
            os.replace(staging / table.id, target)
            shutil.rmtree(old, ignore_errors=True)
        release.publish(summary.release, args.build_dir or paths.build_dir())
    except ExtractError as exc:
        print(f"fout: verversen mislukt: {exc}. De vorige database blijft in gebruik.", file=sys.stderr)
        return EXIT_FAILED
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    print(f"Ververst: {', '.join(t.id for t in tables)}")
    print("\n".join(summary.lines()))
    return EXIT_OK


def _status(build_dir: Path) -> int:
    import duckdb

    path = release.current_release(build_dir)
    with duckdb.connect(str(path), read_only=True) as con:
        print(f"Huidige database: {path}")
        for row in con.execute("select table_id, title, period, method, fetched_at from sources order by 1").fetchall():
            print("  " + " | ".join(str(x) for x in row))
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    command = args.command or "build"
    try:
        catalogue = load_catalogue()
        if command == "refresh":
            return _refresh(args, catalogue)
        build_dir = getattr(args, "build_dir", None) or paths.build_dir()
        if command == "status":
            return _status(build_dir)
        summary = build(build_dir=build_dir, catalogue=catalogue)
        print("\n".join(summary.lines()))
        return EXIT_OK
    except (BuildError, CatalogueError, release.NoReleaseError) as exc:
        print(f"fout: {exc}. De vorige database blijft in gebruik.", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("afgebroken; de vorige database blijft in gebruik.", file=sys.stderr)
        return EXIT_FAILED
