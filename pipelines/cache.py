"""The raw table cache: one folder per CBS table, written by extract (or by the snapshot conversion).

Layout of ``<root>/<TABLE_ID>/``:
  TypedDataSet.parquet   rows as in OData TypedDataSet, dimension columns hold codes (not titles)
  DataProperties.json    the OData DataProperties `value` array (absent for CBS download-file tables)
  TableInfos.json        the OData TableInfos `value` array
  <CodeList>.json        OData code lists (WijkenEnBuurten, Perioden, Leeftijd, ...) where known
  fetch.json             how and when it was fetched: method, catalog, fetched_at, column_naming, notes
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd


class CacheError(RuntimeError):
    """A cached table is missing or incomplete."""


@dataclass
class TableCache:
    table_id: str
    data: pd.DataFrame
    data_properties: list[dict] | None
    table_infos: list[dict]
    code_lists: dict[str, list[dict]] = field(default_factory=dict)
    fetch: dict = field(default_factory=dict)

    @property
    def column_naming(self) -> str:
        return self.fetch.get("column_naming", "odata")


def _dump(path: Path, obj) -> None:
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=1, default=str), encoding="utf-8")


def write_table_cache(folder: Path, data: pd.DataFrame, *, data_properties: list[dict] | None,
                      table_infos: list[dict], code_lists: dict[str, list[dict]], fetch: dict) -> Path:
    """Write one table's cache atomically: a temp folder next to the target, renamed into place."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        data.to_parquet(tmp / "TypedDataSet.parquet", index=False, compression="zstd")
        if data_properties is not None:
            _dump(tmp / "DataProperties.json", data_properties)
        _dump(tmp / "TableInfos.json", table_infos)
        for name, rows in code_lists.items():
            _dump(tmp / f"{name}.json", rows)
        fetch = {"table_id": folder.name, "fetched_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                 **fetch}
        _dump(tmp / "fetch.json", fetch)
        old = folder.with_name(f".{folder.name}-old")
        if folder.exists():
            shutil.rmtree(old, ignore_errors=True)
            os.replace(folder, old)
        os.replace(tmp, folder)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder


def read_table_cache(folder: Path, *, with_data: bool = True) -> TableCache:
    """One cached table. with_data=False reads only its metadata (fetch, DataProperties, TableInfos): `data` is
    then an empty frame and `code_lists` empty (the build reads each table's rows when it loads that table)."""
    folder = Path(folder)
    data_file = folder / "TypedDataSet.parquet"
    if not data_file.exists():
        raise CacheError(f"Tabel {folder.name}: geen gegevens in de cache ({data_file})")
    fetch = json.loads((folder / "fetch.json").read_text(encoding="utf-8"))
    props_file = folder / "DataProperties.json"
    props = json.loads(props_file.read_text(encoding="utf-8")) if props_file.exists() else None
    if props is None and fetch.get("column_naming", "odata") == "odata":
        raise CacheError(f"Tabel {folder.name}: DataProperties ontbreekt in de cache")
    infos = json.loads((folder / "TableInfos.json").read_text(encoding="utf-8"))
    if not with_data:
        return TableCache(folder.name, pd.DataFrame(), props, infos, {}, fetch)
    skip = {"TypedDataSet.parquet", "DataProperties.json", "TableInfos.json", "fetch.json"}
    code_lists = {p.stem: json.loads(p.read_text(encoding="utf-8"))
                  for p in folder.glob("*.json") if p.name not in skip}
    return TableCache(folder.name, pd.read_parquet(data_file), props, infos, code_lists, fetch)
