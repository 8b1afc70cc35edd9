"""Which pipeline code built a release, so `make run` rebuilds a database that older code made.

A release stores `build_info.code_stamp`: a hash of everything in pipelines/ that decides what a release holds (its
Python modules, SQL models and TOML declarations). After a `git pull` that changed any of them, the app would read
marts an older build shaped (a missing column, an old rule), so `python -m pipelines ensure` builds again from the
same caches (live cache first, then the shipped snapshot); the data stays what it was.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb

from pipelines import release

PIPELINE_DIR = Path(__file__).parent
PARTS = ("*.py", "sql/*.sql", "*.toml")


def code_stamp(root: Path = PIPELINE_DIR) -> str:
    """A short hash of the pipeline's files (names and contents, in a fixed order)."""
    digest = hashlib.sha256()
    for path in sorted(p for pattern in PARTS for p in root.glob(pattern)):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def stale_reason(build_dir: Path, stamp: str | None = None) -> str | None:
    """Why the database in `build_dir` must be built (Dutch, for the terminal), or None when it is current."""
    try:
        path = release.current_release(build_dir)
    except release.NoReleaseError:
        return "er is nog geen database"
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            built_with = con.execute("select code_stamp from build_info").fetchone()[0]
    except duckdb.Error:
        return "de database is gemaakt door een oudere versie van Buurtbalans"
    if built_with != (stamp or code_stamp()):
        return "de database is gemaakt met andere pipelinecode dan deze versie"
    return None
