"""Declared corrections of region names that a source spells with a broken character (pipelines/name_corrections.toml).

Pure apart from reading the file. A correction replaces a name only for its own code and only while the source
still spells it exactly as declared, so a repaired source wins and an unrelated name is never touched.
"""
from __future__ import annotations

import tomllib
from pathlib import Path

import pandas as pd

CORRECTIONS_FILE = Path(__file__).with_name("name_corrections.toml")
COLUMNS = ["region_code", "source_spelling", "name", "why"]


def load(path: Path = CORRECTIONS_FILE) -> pd.DataFrame:
    """The declared corrections, one row each (COLUMNS). A correction without one of its fields, or a code declared
    twice, is a mistake in the file: ValueError."""
    entries = tomllib.loads(path.read_text(encoding="utf-8")).get("correction", [])
    for entry in entries:
        missing = [c for c in COLUMNS if not str(entry.get(c) or "").strip()]
        if missing:
            raise ValueError(f"{path.name}: correctie {entry.get('region_code')!r} mist {', '.join(missing)}")
    frame = pd.DataFrame([{c: str(e[c]).strip() for c in COLUMNS} for e in entries], columns=COLUMNS)
    if frame["region_code"].duplicated().any():
        raise ValueError(f"{path.name}: een regiocode staat er meer dan eens in")
    return frame


def apply(regions: pd.DataFrame, corrections: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(regions with corrected names, corrections with `applied`: whether any row of the source still had the
    declared spelling). `regions` has region_code and name (any boundary years); other columns are kept."""
    spelled = dict(zip(corrections["region_code"], corrections["source_spelling"]))
    fixed = dict(zip(corrections["region_code"], corrections["name"]))
    hit = regions["region_code"].map(spelled).eq(regions["name"])
    out = regions.copy()
    out.loc[hit, "name"] = out.loc[hit, "region_code"].map(fixed)
    applied = corrections["region_code"].isin(set(regions.loc[hit, "region_code"]))
    return out, corrections.assign(applied=applied.to_numpy())
