"""Downloads: a shown table as CSV and Parquet, and the current release database.

The pure helpers (`to_csv_bytes`, `to_parquet_bytes`) turn exactly the frame a page shows into bytes; the
Streamlit helpers (`download_buttons`, `release_download`) put them behind buttons. The CSV is for Dutch
spreadsheets (semicolon, decimal comma, UTF-8 with BOM) and escapes text that a spreadsheet would run as a
formula, because tables here can hold text residents typed (CSV injection).
"""
from __future__ import annotations

import functools
import io
import re
import threading
from pathlib import Path

import pandas as pd

from dashboard.core.escaping import escape_formula

CSV_OPTIONS = {"sep": ";", "decimal": ","}


def _keeps_index(df: pd.DataFrame) -> bool:
    """st.dataframe shows a named or non-default index, so a download must carry it too."""
    index = df.index
    default = isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1 and index.name is None
    return not default


def _escape_text(value: object) -> object:
    return escape_formula(value) if isinstance(value, str) else value


def formula_escaped(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of df where every text cell (and text column name) that starts like a formula gets a leading '.
    Numbers, dates and missing values stay as they are, so a negative number is never touched."""
    out = df.copy()
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series) \
                or isinstance(series.dtype, pd.CategoricalDtype):
            out[column] = series.astype(object).map(_escape_text, na_action="ignore")
    out.columns = [_escape_text(c) for c in out.columns]
    if _keeps_index(out) and not isinstance(out.index, pd.MultiIndex) and \
            (pd.api.types.is_object_dtype(out.index) or pd.api.types.is_string_dtype(out.index)):
        out.index = pd.Index([_escape_text(v) for v in out.index], name=_escape_text(out.index.name))
    return out


def to_csv_bytes(df: pd.DataFrame, *, escape_formulas: bool = True) -> bytes:
    """The frame as CSV for Dutch Excel: ';' between cells, ',' as decimal sign, UTF-8 with BOM.

    Read it back with ``pd.read_csv(io.BytesIO(data), sep=";", decimal=",", encoding="utf-8-sig")``.
    With escape_formulas (the default) text cells starting with = + - @ tab or CR get a leading '.
    """
    frame = formula_escaped(df) if escape_formulas else df
    return frame.to_csv(index=_keeps_index(df), **CSV_OPTIONS).encode("utf-8-sig")


def to_parquet_bytes(df: pd.DataFrame) -> bytes:
    """The frame as Parquet, types and values unchanged (no escaping: Parquet is not run by spreadsheets)."""
    buffer = io.BytesIO()
    df.to_parquet(buffer, index=_keeps_index(df))
    return buffer.getvalue()


def safe_basename(basename: str) -> str:
    """'Vergelijking Amsterdam/Utrecht' -> 'vergelijking-amsterdam-utrecht' (a file name without surprises)."""
    slug = re.sub(r"[^a-z0-9]+", "-", basename.lower()).strip("-")
    return slug[:80] or "buurtbalans"


def download_buttons(df: pd.DataFrame, basename: str, *, key: str | None = None,
                     escape_formulas: bool = True) -> None:
    """Two buttons side by side, 'Download als CSV' and 'Download als Parquet', with exactly `df`.

    Pass the frame you give st.dataframe. `key` separates several pairs on one page (default: basename).
    """
    import streamlit as st

    name, key = safe_basename(basename), key or safe_basename(basename)
    left, right = st.columns(2)
    left.download_button("Download als CSV", to_csv_bytes(df, escape_formulas=escape_formulas),
                         file_name=f"{name}.csv", mime="text/csv", key=f"{key}_csv",
                         icon=":material/download:", on_click="ignore")
    right.download_button("Download als Parquet", to_parquet_bytes(df), file_name=f"{name}.parquet",
                          mime="application/vnd.apache.parquet", key=f"{key}_parquet",
                          icon=":material/download:", on_click="ignore")


def release_file(build_dir: Path | None = None) -> Path:
    """The DuckDB file `current.duckdb` points at (the CBS release, never the residents' own store)."""
    from dashboard.core import db
    return db.current_path(build_dir)


def release_sources(build_dir: Path | None = None) -> pd.DataFrame:
    """The `sources` table in the release: what the download contains, with licence and attribution."""
    from dashboard.core import db
    return db.query("select table_id, title, period, licence, attribution from mart_sources order by table_id",
                    build_dir=build_dir)


# The release file is offered whole (DuckDB cannot be cut up). Streamlit keeps a download in memory once it is
# asked for, so the bound is: nothing is read until a click, every click (from any session) gets the one shared
# copy of the current file, and a file above this size is not offered through the app at all.
MAX_RELEASE_DOWNLOAD = 400 * 1024 * 1024
_READ_LOCK = threading.Lock()


@functools.lru_cache(maxsize=1)
def _release_bytes(path: str, size: int, mtime_ns: int) -> bytes:
    """The bytes of one release file version; (size, mtime) make a new release a new cache entry, and
    maxsize=1 lets the old release's copy go."""
    return Path(path).read_bytes()


def release_reader(path: Path):
    """The callable a download button calls on a click: the file's bytes, read at most once per release version
    for the whole process (a lock keeps two simultaneous clicks from reading it twice)."""
    def read() -> bytes:
        stat = path.stat()
        if stat.st_size > MAX_RELEASE_DOWNLOAD:
            raise ValueError(f"{path.name} is larger than the download limit")
        with _READ_LOCK:
            return _release_bytes(str(path), stat.st_size, stat.st_mtime_ns)
    return read


def release_download(build_dir: Path | None = None, *, key: str = "release_duckdb") -> None:
    """A button that downloads the current release database (DuckDB, with its `sources` table).

    The file (tens of MB) is read only after a click: Streamlit calls the reader then, not on every run.
    """
    import streamlit as st

    from dashboard.core.format import fmt_number

    path = release_file(build_dir).resolve()
    size = path.stat().st_size
    st.markdown(f"Alle cijfers van deze versie in één DuckDB-bestand (`{path.name}`, "
                f"{fmt_number(size / 1e6)} MB). Open het met DuckDB, Python of R.")
    if size > MAX_RELEASE_DOWNLOAD:
        st.info("Dit bestand is te groot om via de app te downloaden. Vraag de beheerder om een kopie.")
        return
    st.download_button("Download de database (DuckDB)", release_reader(path), file_name="buurtbalans.duckdb",
                       mime="application/octet-stream", key=key, icon=":material/download:", on_click="ignore",
                       help="Het bestand wordt pas gelezen als u klikt.")
    st.caption("Het bestand bevat alle cijfers van deze versie en de tabel `sources` met de bron, periode en "
               "licentie van elke tabel. Open het met DuckDB, bijvoorbeeld: "
               "`select * from sources`. Wat bewoners zelf invullen op de Bewonerskaart zit er niet in.")
