"""Where things live. Every path can be moved with an environment variable (tests build in tmp folders)."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _env_path(name: str, default: Path) -> Path:
    return Path(os.environ[name]) if os.environ.get(name) else default


def snapshot_dir() -> Path:
    return _env_path("BUURTBALANS_SNAPSHOT_DIR", ROOT / "data" / "snapshot")


def cache_dir() -> Path:
    """Tables fetched live from CBS; a table here takes precedence over the shipped snapshot."""
    return _env_path("BUURTBALANS_CACHE_DIR", ROOT / "data" / "cache")


def build_dir() -> Path:
    return _env_path("BUURTBALANS_BUILD_DIR", ROOT / "data" / "build")


def shapes_cache_dir() -> Path:
    """Prepared (simplified) shapes, shared by every build on this machine; safe to delete."""
    return _env_path("BUURTBALANS_SHAPES_CACHE", ROOT / "data" / "build" / ".shapes")
