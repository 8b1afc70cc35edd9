"""Downloads hold exactly the shown frame; CSV cells a spreadsheet would run as a formula are escaped; the
release database is read only when its button is clicked."""
from __future__ import annotations

import io
import pathlib

import duckdb
import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.core import downloads

SHOWN = pd.DataFrame({
    "Buurt": ["Dapperbuurt-Noord", "Lombok-Oost", "'s-Hertogenbosch; centrum", 'Zegt "hoi"\nen meer', None],
    "Vrijwilligerswerk (%)": [17.0, 23.25, np.nan, 0.1 + 0.2, -4.5],
    "Inwoners": [4745, 1200, 0, -1, 99999999],
    "Geschat": [True, False, True, False, True],
})


def read_csv(data: bytes, **kwargs) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), sep=";", decimal=",", encoding="utf-8-sig", **kwargs)


def test_csv_round_trip_equals_the_shown_frame():
    data = downloads.to_csv_bytes(SHOWN)
    assert data.startswith(b"\xef\xbb\xbfBuurt;Vrijwilligerswerk (%);")          # BOM, ';' for Dutch Excel
    assert b"17,0" in data and b"-4,5" in data                                   # decimal comma, sign kept
    pd.testing.assert_frame_equal(read_csv(data), SHOWN, check_dtype=False)


def test_parquet_round_trip_is_exact():
    pd.testing.assert_frame_equal(pd.read_parquet(io.BytesIO(downloads.to_parquet_bytes(SHOWN))), SHOWN)


def test_a_shown_index_is_downloaded_too():
    shown = SHOWN.set_index("Buurt")
    back = read_csv(downloads.to_csv_bytes(shown), index_col=0)
    pd.testing.assert_frame_equal(back, shown, check_dtype=False)
    pd.testing.assert_frame_equal(pd.read_parquet(io.BytesIO(downloads.to_parquet_bytes(shown))), shown)


def test_formula_cells_are_escaped_in_csv():
    shown = pd.DataFrame({"Naam": ["=HYPERLINK(\"http://x\",\"klik\")", "+31 20 1234", "-2+3", "@SUM(A1)",
                                   "\tcmd", "'=al beschermd", "Gewone tekst", "e=mc2"],
                          "Getal": [-1.5, 2.0, -3.0, 4.0, 5.0, 6.0, 7.0, 8.0]})
    shown["=kop"] = "x"
    back = read_csv(downloads.to_csv_bytes(shown), dtype={"Naam": str})
    assert back["Naam"].tolist() == ["'=HYPERLINK(\"http://x\",\"klik\")", "'+31 20 1234", "'-2+3", "'@SUM(A1)",
                                     "'\tcmd", "''=al beschermd", "Gewone tekst", "e=mc2"]
    assert back["Getal"].tolist() == shown["Getal"].tolist()                   # numbers are never escaped
    assert list(back.columns) == ["Naam", "Getal", "'=kop"]
    assert shown["Naam"][0].startswith("=")                                   # the shown frame is untouched
    raw = read_csv(downloads.to_csv_bytes(shown, escape_formulas=False), dtype={"Naam": str})
    assert raw["Naam"][0].startswith("=")


def test_formula_escaping_covers_categorical_and_string_dtypes():
    shown = pd.DataFrame({"cat": pd.Categorical(["=1", "b"]), "s": pd.Series(["@x", None], dtype="string")})
    back = read_csv(downloads.to_csv_bytes(shown))
    assert back["cat"].tolist() == ["'=1", "b"] and back["s"].tolist()[0] == "'@x" and pd.isna(back["s"][1])


def _page():
    import pandas as pd
    import streamlit as st
    from streamlit.runtime import get_instance

    from dashboard.core import downloads

    shown = pd.DataFrame({"Buurt": ["=1+1", "Lombok"], "Waarde": [1.5, -2.0]})
    st.dataframe(shown)
    downloads.download_buttons(shown, "Vergelijking Amsterdam/Utrecht")
    downloads.release_download()
    st.session_state["media"] = get_instance().media_file_mgr


def _file(at: AppTest, button) -> bytes:
    file_id = button.proto.url.rsplit("/", 1)[1].split(".")[0]
    return at.session_state["media"].read_file(file_id).content


def test_buttons_offer_exactly_the_shown_frame(build_dir, monkeypatch):
    monkeypatch.setenv("BUURTBALANS_BUILD_DIR", str(build_dir))
    at = AppTest.from_function(_page, default_timeout=60).run()
    assert not at.exception
    csv, parquet, database = at.get("download_button")
    assert (csv.label, parquet.label) == ("Download als CSV", "Download als Parquet")
    assert csv.proto.url.endswith(".csv")
    shown = at.dataframe[0].value
    assert _file(at, csv) == downloads.to_csv_bytes(shown)
    pd.testing.assert_frame_equal(pd.read_parquet(io.BytesIO(_file(at, parquet))), shown)


def test_release_database_is_read_only_after_a_click(build_dir, release_path, monkeypatch, tmp_path):
    monkeypatch.setenv("BUURTBALANS_BUILD_DIR", str(build_dir))
    reads = []
    original = pathlib.Path.read_bytes

    def spy(self):
        reads.append(self)
        return original(self)

    monkeypatch.setattr(pathlib.Path, "read_bytes", spy)
    at = AppTest.from_function(_page, default_timeout=60).run()
    database = at.get("download_button")[2]
    assert database.label == "Download de database (DuckDB)"
    assert database.proto.deferred_file_id and not database.proto.url   # nothing prepared yet
    assert release_path not in reads

    media = at.session_state["media"]
    url = media.execute_deferred(database.proto.deferred_file_id)        # what a click does
    assert reads == [release_path]
    data = media.read_file(url.rsplit("/", 1)[1].split(".")[0]).content
    assert data == release_path.read_bytes()
    copy = tmp_path / "download.duckdb"
    copy.write_bytes(data)
    with duckdb.connect(str(copy), read_only=True) as con:
        sources = con.execute("select table_id, licence from sources order by 1").fetchall()
    assert ("85163NED", "CC BY 4.0") in sources and len(sources) >= 6

    # A second click (or another session's) gets the same copy: the file is not read again.
    before = len(reads)
    again = media.execute_deferred(database.proto.deferred_file_id)
    assert len(reads) == before and again == url


def test_a_new_release_is_read_fresh_and_an_oversized_one_is_not_offered(serving_copy, monkeypatch):
    """The shared copy belongs to one release version: a published new release is read anew. A file above the
    bound gets a Dutch message instead of a button."""
    path = downloads.release_file(serving_copy).resolve()
    first = downloads.release_reader(path)()
    assert first == path.read_bytes()
    with duckdb.connect(str(path)) as con:   # the release changes on disk (as a rebuild would)
        con.execute("create table extra as select 1 as x")
    second = downloads.release_reader(path)()
    assert second == path.read_bytes() and second != first

    monkeypatch.setenv("BUURTBALANS_BUILD_DIR", str(serving_copy))
    monkeypatch.setattr(downloads, "MAX_RELEASE_DOWNLOAD", path.stat().st_size - 1)
    at = AppTest.from_function(_page, default_timeout=60).run()
    assert len(at.get("download_button")) == 2
    assert "te groot om via de app te downloaden" in at.info[0].value
    with pytest.raises(ValueError):
        downloads.release_reader(path)()


@pytest.mark.parametrize("name, slug", [("Vergelijking Amsterdam/Utrecht", "vergelijking-amsterdam-utrecht"),
                                        ("../../etc/passwd", "etc-passwd"), ("", "buurtbalans")])
def test_file_names_are_plain(name, slug):
    assert downloads.safe_basename(name) == slug
