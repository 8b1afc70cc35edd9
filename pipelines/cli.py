"""Command line: `python -m pipelines build` (offline, from the shipped snapshot) and `... refresh` (live CBS).

Every failure ends in one readable line and a non-zero exit code; the previous database keeps serving.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

from pipelines import paths, release
from pipelines.build import build
from pipelines.load import BuildError
from pipelines.catalogue import CatalogueError, load_catalogue
from pipelines.code_stamp import stale_reason

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
    r.add_argument("--force", action="store_true", help="fetch even tables whose Modified date on CBS is unchanged")
    r.add_argument("--accept-shrink", action="store_true",
                   help="accept fresh data that covers clearly fewer regions, periods or indicators than before")
    r.add_argument("--discover", action="store_true",
                   help="report newer CBS tables of the catalogue's series (a new KWB year, a new RIVM wave)")
    r.add_argument("--apply", action="store_true", help="with --discover: add them to the local catalogue overlay")
    r.add_argument("--build-dir", type=Path)
    e = sub.add_parser("ensure", help="build only when there is no database or older pipeline code built it "
                                      "(make run)")
    e.add_argument("--build-dir", type=Path)
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


def _previous_copy(table_id: str, roots: list[Path]) -> Path | None:
    return next((r / table_id for r in roots if (r / table_id / "fetch.json").exists()), None)


def _modified_or_none(table, options: dict, live_modified, error) -> str | None:
    """CBS's Modified date, or None when it cannot be had (the fetch itself then retries and reports)."""
    try:
        return live_modified(table, **options)
    except error:
        return None


def _discover(args, catalogue) -> int:
    from pipelines import discover
    from pipelines.catalogue import overlay_path

    proposals = discover.discover(catalogue, catalog_url=args.catalog_url, use_https=not args.http,
                                  timeout=args.timeout)
    print("\n".join(discover.report_lines(proposals)))
    if proposals and args.apply:
        path = discover.write_overlay(overlay_path(), proposals)
        print(f"Toegevoegd aan {path}; `python -m pipelines refresh` haalt ze op.")
    elif proposals:
        print("Niets veranderd; voeg ze toe met --discover --apply.")
    return EXIT_OK


def _refresh(args, catalogue) -> int:
    """Fetch, check, build, publish. Tables fetched before a failure wait in <cache>/.incoming, so the next run
    resumes; a table whose Modified date on CBS equals the cached one is not fetched again."""
    from pipelines.extract import ExtractError, fetch_table
    from pipelines.freshness import cached_modified, live_modified, shrink

    if args.discover:
        return _discover(args, catalogue)
    if args.apply:
        raise SystemExit("fout: --apply hoort bij --discover")
    # catalog = "file" tables are shipped files, read at every build (pipelines/file_sources.py): never fetched
    tables = [t for t in _select_tables(catalogue, args.table, args.year) if t.catalog != "file"]
    cache = paths.cache_dir()
    incoming = cache / ".incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    published = [cache, paths.snapshot_dir() / "tables"]
    options = {"catalog_url": args.catalog_url, "use_https": not args.http, "timeout": args.timeout}
    fetched, unchanged = [], []
    try:
        for n, table in enumerate(tables, start=1):
            label = f"[{n}/{len(tables)}] {table.id}"
            modified = None if args.force else _modified_or_none(table, options, live_modified, ExtractError)
            if modified and cached_modified(cache / table.id) == modified:
                unchanged.append(table.id)
                print(f"{label}: ongewijzigd op CBS ({modified}), niet opnieuw opgehaald", file=sys.stderr)
                continue
            if modified and cached_modified(incoming / table.id) == modified:
                print(f"{label}: al opgehaald in een vorige poging ({modified})", file=sys.stderr)
            else:
                stems = [s for ind in catalogue.indicators for src in ind.sources if src.table == table.id
                         for s in src.stems()]
                fetch_table(table, incoming, retries=args.retries, progress=not args.no_progress, stems=stems,
                            label=label, **options)
            problems = shrink(table, incoming / table.id, _previous_copy(table.id, published), catalogue)
            if problems and not args.accept_shrink:
                shutil.rmtree(incoming / table.id, ignore_errors=True)
                raise ExtractError(f"Tabel {table.id}: de nieuwe gegevens dekken duidelijk minder dan de vorige "
                                   f"versie ({'; '.join(problems)}); als dat klopt: --accept-shrink")
            fetched.append(table.id)
        if not fetched:
            print(f"Niets nieuws op CBS ({', '.join(unchanged)} ongewijzigd); de huidige database blijft.")
            return EXIT_OK
        summary = build(roots=[incoming, *published], build_dir=args.build_dir or paths.build_dir(), publish=False)
        for table_id in fetched:  # the new release validated: keep the fetched tables, then publish
            target, old = cache / table_id, cache / f".{table_id}-replaced"
            if target.exists():
                shutil.rmtree(old, ignore_errors=True)
                os.replace(target, old)
            os.replace(incoming / table_id, target)
            shutil.rmtree(old, ignore_errors=True)
        release.publish(summary.release, args.build_dir or paths.build_dir())
    except ExtractError as exc:
        kept = f" Al opgehaald (volgende keer hervat): {', '.join(fetched)}." if fetched else ""
        print(f"fout: verversen mislukt: {exc}. De vorige database blijft in gebruik.{kept}", file=sys.stderr)
        return EXIT_FAILED
    print(f"Ververst: {', '.join(fetched) or 'geen tabellen'}"
          + (f"; ongewijzigd: {', '.join(unchanged)}" if unchanged else ""))
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


def _has_release(args) -> bool:
    try:
        release.current_release(getattr(args, "build_dir", None) or paths.build_dir())
        return True
    except release.NoReleaseError:
        return False


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
        if command == "ensure":
            reason = stale_reason(build_dir)
            if reason is None:
                print("De database is bij: gemaakt met deze versie van de pipeline.")
                return EXIT_OK
            print(f"Database bouwen: {reason}.")
        summary = build(build_dir=build_dir, catalogue=catalogue)
        print("\n".join(summary.lines()))
        return EXIT_OK
    except (BuildError, CatalogueError, release.NoReleaseError) as exc:
        print(f"fout: {exc}. De vorige database blijft in gebruik.", file=sys.stderr)
        # `ensure` (make run): a failed rebuild leaves the previous database serving, so the app still starts
        return EXIT_OK if command == "ensure" and _has_release(args) else EXIT_FAILED
    except KeyboardInterrupt:
        print("afgebroken; de vorige database blijft in gebruik.", file=sys.stderr)
        return EXIT_FAILED
