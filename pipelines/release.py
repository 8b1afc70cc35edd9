"""Versioned release files and the atomic `current` pointer (see RECIPES.md: DuckDB's one-writer lock).

The ETL writes `buurtbalans-<stamp>.duckdb`, closes it, validates it, then swaps the symlink
`current.duckdb` to it with os.replace. Readers resolve the link and open that exact file read-only, so a
running refresh never blocks or breaks them, and a killed refresh leaves the previous release serving.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import duckdb

CURRENT = "current.duckdb"
PREFIX = "buurtbalans-"


class NoReleaseError(FileNotFoundError):
    """There is no built database yet."""


def new_release_path(build_dir: Path) -> Path:
    build_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S") + f"-{time.time_ns() % 1_000_000_000:09d}-{os.getpid()}"
    return build_dir / f"{PREFIX}{stamp}.duckdb"


def current_release(build_dir: Path) -> Path:
    link = build_dir / CURRENT
    if not link.exists():
        raise NoReleaseError(f"Geen database in {build_dir}: draai eerst `python -m pipelines build`.")
    return Path(os.path.realpath(link))


def publish(release: Path, build_dir: Path, keep: int = 2) -> None:
    """Point `current.duckdb` at `release` atomically, then delete all but the newest `keep` releases."""
    tmp_link = build_dir / f".{CURRENT}.{os.getpid()}.tmp"
    if tmp_link.is_symlink() or tmp_link.exists():
        tmp_link.unlink()
    os.symlink(release.name, tmp_link)
    os.replace(tmp_link, build_dir / CURRENT)
    releases = sorted(build_dir.glob(f"{PREFIX}*.duckdb"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in releases[keep:]:
        if old != release:
            old.unlink(missing_ok=True)  # readers holding it open keep working (Linux unlink semantics)


def remove_unpublished(build_dir: Path) -> None:
    """Delete release files that a killed build left behind. Call only while holding the build lock: then no
    other build is running, so any release newer than `current` was never published."""
    try:
        current = current_release(build_dir)
        cutoff = current.stat().st_mtime
    except NoReleaseError:
        current, cutoff = None, float("-inf")
    for path in build_dir.glob(f"{PREFIX}*.duckdb"):
        if path != current and path.stat().st_mtime >= cutoff:
            path.unlink(missing_ok=True)
            Path(str(path) + ".wal").unlink(missing_ok=True)


def connect_current(build_dir: Path) -> tuple[duckdb.DuckDBPyConnection, Path]:
    """A read-only connection to the current release, and the file it resolved to."""
    path = current_release(build_dir)
    return duckdb.connect(str(path), read_only=True), path
