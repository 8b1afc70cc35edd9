"""extract.fetch_table against the replay server: the real cbsodata client over 127.0.0.1, no mocks.

Every malformed response must give one readable ExtractError naming the table and leave the cache as it was.
"""
from __future__ import annotations

import dataclasses
import json
import logging
import shutil
import socket
from pathlib import Path

import cbsodata
import pandas as pd
import pytest

from pipelines.cache import read_table_cache
from pipelines.catalogue import load_catalogue
from pipelines.extract import (
    CATALOG_ENV,
    ExtractError,
    catalog_location,
    fetch_table,
    fetch_tables,
    resolve_stems,
    table_stems,
)
from tests.replay_server import SNAPSHOT_TABLES, Fault, ReplayServer

AMSTERDAM = ("NL", "GM0363", "WK0363", "BU0363")  # keeps served tables small, so the suite stays fast
NO_BUURTEN = ("NL", "GM0363", "WK0363")             # smaller still, for the many failure cases
CAT = load_catalogue()
GM0363_2020_18PLUS = {"WijkenEnBuurten": "GM0363", "Perioden": "2020JJ00", "Leeftijd": "20300", "Marges": "MW00000"}


@pytest.fixture(autouse=True)
def _no_catalog_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CATALOG_ENV, raising=False)


def fetch(server: ReplayServer, table_id: str, cache_root: Path, **kwargs) -> Path:
    options = {"catalog_url": server.host, "use_https": False, "timeout": 5, "retries": 2, "backoff": 0.01,
               "progress": False, "stems": table_stems(CAT, table_id), **kwargs}
    table = options.pop("table", CAT.tables[table_id])
    return fetch_table(table, cache_root, **options)


def row(data: pd.DataFrame, **codes: str) -> pd.Series:
    """The one row whose (unpadded) codes match."""
    mask = pd.Series(True, index=data.index)
    for column, code in codes.items():
        mask &= data[column].str.strip() == code
    assert mask.sum() == 1, f"{mask.sum()} rows match {codes}"
    return data[mask].iloc[0]


def tree(root: Path) -> dict[str, bytes]:
    """Every file below root (hidden temp folders included) with its bytes."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------------------------------------------
# Happy paths, one per kind of table
# --------------------------------------------------------------------------------------------------------------

def test_rivm_table_with_filter_keeps_real_values(tmp_path: Path) -> None:
    with ReplayServer(regions=AMSTERDAM, page_size=500) as server:
        cache = read_table_cache(fetch(server, "50090NED", tmp_path))
    gm = row(cache.data, **GM0363_2020_18PLUS)
    assert gm["Vrijwilligerswerk_33"] == 17.0
    assert gm["Eenzaam_28"] == 53.2
    nl = row(cache.data, **{**GM0363_2020_18PLUS, "WijkenEnBuurten": "NL01"})
    assert nl["ErvarenGezondheidGoedZeerGoed_4"] == 78.4
    assert set(cache.data["Leeftijd"].str.strip()) == {"20300", "80200"}
    pages = server.paths("50090NED/TypedDataSet")
    assert len(pages) > 1 and all("$filter=(Leeftijd eq '20300' or Leeftijd eq '80200')" in p for p in pages)
    assert cache.fetch["method"] == "cbsodata.download_data" and cache.fetch["column_naming"] == "odata"


def test_download_file_table_is_fetched_as_odata_and_resolves_by_stem(tmp_path: Path) -> None:
    with ReplayServer(regions=AMSTERDAM) as server:
        cache = read_table_cache(fetch(server, "85618NED", tmp_path))
    keys = resolve_stems(cache.data_properties, table_stems(CAT, "85618NED"))
    assert set(keys) == set(table_stems(CAT, "85618NED"))
    assert row(cache.data, WijkenEnBuurten="GM0363")[keys["AantalInwoners"]] == 918117
    shipped = pd.read_parquet(SNAPSHOT_TABLES / "85618NED" / "TypedDataSet.parquet")
    p_hh_li = shipped.loc[shipped["gwb_code_10"].str.strip() == "GM0363", "p_hh_li"].iloc[0]  # the shipped figure
    assert row(cache.data, WijkenEnBuurten="GM0363")[keys["k_40HuishoudensMetLaagsteInkomen"]] == p_hh_li
    # in the catalogue but not in the shipped file (in_snapshot = false): served empty, as a column CBS has
    assert row(cache.data, WijkenEnBuurten="GM0363")[keys["HuishoudensMetEenLaagInkomen"]] is pd.NA or \
        pd.isna(row(cache.data, WijkenEnBuurten="GM0363")[keys["HuishoudensMetEenLaagInkomen"]])
    assert row(cache.data, WijkenEnBuurten="NL00")[keys["AantalInwoners"]] == 17811291
    assert not {"a_inw", "p_hh_li", "gwb_code_10"} & set(cache.data.columns)
    assert cache.column_naming == "odata"


def test_kwb_table_all_municipalities_over_several_pages(tmp_path: Path) -> None:
    with ReplayServer(regions=("GM",), page_size=100) as server:
        cache = read_table_cache(fetch(server, "85984NED", tmp_path))
    assert len(cache.data) == 342 and len(server.paths("85984NED/TypedDataSet")) == 4
    keys = resolve_stems(cache.data_properties, ["AantalInwoners", "GemiddeldInkomenPerInwoner"])
    amsterdam = row(cache.data, WijkenEnBuurten="GM0363")
    assert amsterdam[keys["AantalInwoners"]] == 931298
    assert amsterdam[keys["GemiddeldInkomenPerInwoner"]] == 41.0


def test_cache_keeps_padded_region_codes_not_titles(tmp_path: Path) -> None:
    """Pinned choice: download_data's TypedDataSet holds codes; get_data would have put 'Amsterdam' here."""
    with ReplayServer() as server:
        cache = read_table_cache(fetch(server, "85163NED", tmp_path))
    assert cache.data["WijkenEnBuurten"].iloc[0] == "GM0363    "
    assert cache.data["WijkenEnBuurten"].str[:2].isin(["GM", "WK", "BU"]).all()
    assert "Amsterdam" not in set(cache.data["WijkenEnBuurten"].str.strip())
    titles = {c["Key"].strip(): c["Title"] for c in cache.code_lists["WijkenEnBuurten"]}
    assert titles["GM0363"] == "Amsterdam"


def test_padded_filter_code_is_kept_raw(tmp_path: Path) -> None:
    with ReplayServer(regions=AMSTERDAM) as server:
        cache = read_table_cache(fetch(server, "47022NED", tmp_path))
    assert set(cache.data["SoortMisdrijf"]) == {"0.0.0   "}
    snapshot = pd.read_parquet(SNAPSHOT_TABLES / "47022NED" / "TypedDataSet.parquet")
    expected = snapshot[(snapshot.WijkenEnBuurten == "GM0363") & (snapshot.Perioden == "2023JJ00")]
    fetched = row(cache.data, WijkenEnBuurten="GM0363", Perioden="2023JJ00")
    assert fetched["GeregistreerdeMisdrijven_1"] == expected["GeregistreerdeMisdrijven_1"].item()


# --------------------------------------------------------------------------------------------------------------
# Unexpected but valid responses: they must succeed
# --------------------------------------------------------------------------------------------------------------

def test_renamed_suffix_resolves_by_stem(tmp_path: Path) -> None:
    faults = {"50090NED": [Fault.rename_key("Vrijwilligerswerk_33", "Vrijwilligerswerk_31")]}
    with ReplayServer(regions=NO_BUURTEN, faults=faults) as server:
        cache = read_table_cache(fetch(server, "50090NED", tmp_path))
    key = resolve_stems(cache.data_properties, ["Vrijwilligerswerk"])["Vrijwilligerswerk"]
    assert key == "Vrijwilligerswerk_31"
    assert row(cache.data, **GM0363_2020_18PLUS)[key] == 17.0


def test_dot_and_null_values_are_kept_raw(tmp_path: Path) -> None:
    faults = {"50090NED": [Fault.set_value("Vrijwilligerswerk_33", ".", GM0363_2020_18PLUS),
                           Fault.set_value("Eenzaam_28", None, GM0363_2020_18PLUS)]}
    with ReplayServer(regions=NO_BUURTEN, faults=faults) as server:
        cache = read_table_cache(fetch(server, "50090NED", tmp_path))
    gm = row(cache.data, **GM0363_2020_18PLUS)
    nl = row(cache.data, **{**GM0363_2020_18PLUS, "WijkenEnBuurten": "NL01"})
    assert gm["Vrijwilligerswerk_33"] == "." and nl["Vrijwilligerswerk_33"] == "24.6"  # mixed column kept as text
    assert pd.isna(gm["Eenzaam_28"]) and nl["Eenzaam_28"] == 47.0


@pytest.mark.parametrize("status", [500, 503, 429])
def test_transient_error_is_retried(tmp_path: Path, status: int) -> None:
    with ReplayServer(faults={"85163NED/TypedDataSet": [Fault.status(status)]}) as server:
        cache = read_table_cache(fetch(server, "85163NED", tmp_path))
    assert server.statuses("85163NED/TypedDataSet") == [status, 200]
    assert cache.fetch["attempts"] == 2 and len(cache.data) == 579


def test_catalog_url_from_environment_with_scheme(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with ReplayServer() as server:
        monkeypatch.setenv(CATALOG_ENV, server.base_url)
        path = fetch_table(CAT.tables["85163NED"], tmp_path, progress=False, timeout=5)  # use_https defaults True
    assert read_table_cache(path).fetch["catalog"] == server.host
    assert catalog_location(CAT.tables["50090NED"]) == (server.host, False)
    monkeypatch.delenv(CATALOG_ENV)
    assert catalog_location(CAT.tables["50090NED"]) == ("dataderden.cbs.nl", None)


def test_progress_bar_counts_every_download(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    logging.getLogger().setLevel(logging.WARNING)
    with ReplayServer(page_size=100) as server:
        cache = read_table_cache(fetch(server, "85163NED", tmp_path, progress=True))
    assert cache.fetch["requests"] == len(server.requests) == 12  # 6 data pages + 6 metadata requests
    assert "85163NED: 12 pages" in capsys.readouterr().err
    assert logging.getLogger().level == logging.WARNING and cbsodata.options.use_https is True


def test_fetch_tables_writes_each_table(tmp_path: Path) -> None:
    tables = [CAT.tables["85163NED"], CAT.tables["50150NED"]]
    with ReplayServer(regions=NO_BUURTEN) as server:
        paths = fetch_tables(tables, tmp_path, catalog_url=server.host, use_https=False, progress=False)
    assert sorted(paths) == ["50150NED", "85163NED"] and all((p / "TypedDataSet.parquet").exists()
                                                             for p in paths.values())


# --------------------------------------------------------------------------------------------------------------
# Malformed responses: a clear ExtractError, and the cache untouched
# --------------------------------------------------------------------------------------------------------------

WRONG_ID = dataclasses.replace(CAT.tables["85163NED"], id="99999NED")
STALE_FILTER = dataclasses.replace(CAT.tables["50150NED"], filter="Geslacht eq '3000'")
FAILURES = {
    "missing DataProperties key": ("50090NED", {"50090NED": [Fault.drop_property("Vrijwilligerswerk_33")]}, {},
                                   r"Tabel 50090NED .*TypedDataSet zonder DataProperties: Vrijwilligerswerk_33"),
    "missing data column": ("50090NED", {"50090NED": [Fault.drop_column("Eenzaam_28")]}, {},
                            r"Tabel 50090NED .*DataProperties noemt kolommen die TypedDataSet mist: Eenzaam_28"),
    "stem gone": ("50090NED", {"50090NED": [Fault.rename_key("Vrijwilligerswerk_33", "VrijwilligersWerk_33")]}, {},
                  r"Tabel 50090NED .*stam 'Vrijwilligerswerk' .*bestaat niet \(meer\).*VrijwilligersWerk"),
    "ambiguous stem": ("50090NED", {"50090NED": [Fault.rename_key("Eenzaam_28", "Vrijwilligerswerk_28")]},
                       {"stems": ["Vrijwilligerswerk"]},
                       r"stam 'Vrijwilligerswerk' is dubbelzinnig \(Vrijwilligerswerk_28, Vrijwilligerswerk_33\)"),
    "truncated JSON": ("85163NED", {"85163NED/DataProperties": [Fault.truncate(0.6)]}, {},
                       r"Tabel 85163NED .*ongeldige of afgebroken JSON bij \S+/DataProperties"),
    "HTML page with 200": ("85163NED", {"85163NED/TableInfos": [Fault.html()]}, {},
                           r"Tabel 85163NED .*HTML-pagina in plaats van JSON ontvangen bij \S+/TableInfos"),
    "empty TypedDataSet": ("85163NED", {"85163NED": [Fault.empty_dataset()]}, {},
                           r"Tabel 85163NED .*TypedDataSet is leeg"),
    "duplicate rows": ("85163NED", {"85163NED": [Fault.duplicate_rows(2)]}, {},
                       r"Tabel 85163NED .*2 dubbele rij\(en\).*WijkenEnBuurten=GM0363, Perioden=2019JJ00"),
    "persistent 500": ("85163NED", {"85163NED/TypedDataSet": [Fault.status(500, times=None)]}, {},
                       r"Tabel 85163NED .*HTTP 500 na 3 pogingen bij \S+/TypedDataSet"),
    "timeout": ("85163NED", {"85163NED/TypedDataSet": [Fault.sleep(5, times=None)]}, {"timeout": 0.5, "retries": 1},
                r"Tabel 85163NED .*geen antwoord binnen 0.5 s, na 2 pogingen"),
    "wrong table id": ("85163NED", {}, {"table": WRONG_ID}, r"Tabel 99999NED .*bestaat niet .*HTTP 404"),
    "404 on a metadata part": ("85163NED", {"85163NED/DataProperties": [Fault.status(404)]}, {},
                               r"Tabel 85163NED .*HTTP 404 na 1 poging bij \S+/DataProperties"),
    "dead nextLink": ("85163NED", {"85163NED": [Fault.dead_next_link()]}, {},
                      r"Tabel 85163NED .*HTTP 404 na 1 poging bij \S+/TypedDataSetVerlopen"),
    "no TypedDataSet in service document": ("85163NED", {"85163NED": [Fault.drop_service_entry("TypedDataSet")]},
                                            {}, r"Tabel 85163NED .*servicedocument noemt geen TypedDataSet"),
    "no UntypedDataSet in service document": ("85163NED",
                                              {"85163NED": [Fault.drop_service_entry("UntypedDataSet")]}, {},
                                              r"Tabel 85163NED .*onverwacht antwoord \(ValueError"),
    "no DataProperties": ("85163NED", {"85163NED": [Fault.drop_service_entry("DataProperties")]}, {},
                          r"Tabel 85163NED .*DataProperties ontbreekt"),
    "stale filter": ("50150NED", {}, {"table": STALE_FILTER}, r"Tabel 50150NED .*HTTP 400 na 1 poging"),
    # issue 11 §6: one page of rows with a period code that is not in the table's own Perioden, and no nextLink
    "period not in Perioden": ("50090NED", {"50090NED": [Fault.drop_next_link(),
                                                         Fault.set_value("Perioden", "2099JJ00",
                                                                         {"Perioden": "2016JJ00"})]}, {},
                               r"Tabel 50090NED .*rij\(en\) met een Perioden-code die niet in de codelijst "
                               r"Perioden van deze tabel staat \(2099JJ00\)"),
    "region not in WijkenEnBuurten": ("85163NED", {"85163NED": [Fault.set_value("WijkenEnBuurten", "GM9999",
                                                                                {"WijkenEnBuurten": "GM0363"})]},
                                      {}, r"Tabel 85163NED .*1 rij\(en\) met een WijkenEnBuurten-code .*\(GM9999\)"),
    "no code list for a dimension": ("85163NED", {"85163NED": [Fault.drop_service_entry("Perioden")]}, {},
                                     r"Tabel 85163NED .*codelijst 'Perioden' ontbreekt"),
}


@pytest.mark.parametrize("cache_existed", [False, True], ids=["new", "existing"])
@pytest.mark.parametrize("case", FAILURES.values(), ids=FAILURES.keys())
def test_malformed_response_raises_and_writes_nothing(tmp_path: Path, case: tuple, cache_existed: bool) -> None:
    table_id, faults, kwargs, message = case
    folder_name = kwargs.get("table", CAT.tables[table_id]).id
    cache_root = tmp_path / "cache"
    cache_root.mkdir()
    if cache_existed:
        shutil.copytree(SNAPSHOT_TABLES / table_id, cache_root / folder_name)
    before = tree(cache_root)
    with ReplayServer(regions=NO_BUURTEN, faults=faults) as server, pytest.raises(ExtractError, match=message) as err:
        fetch(server, table_id, cache_root, **kwargs)
    assert "\n" not in str(err.value)
    assert tree(cache_root) == before
    assert list(cache_root.iterdir()) == [cache_root / folder_name] * cache_existed


def test_unreachable_host(tmp_path: Path) -> None:
    with pytest.raises(ExtractError, match=r"Tabel 85163NED \(127.0.0.1:\d+\): server onbereikbaar na 3 pogingen"):
        fetch_table(CAT.tables["85163NED"], tmp_path, catalog_url=f"127.0.0.1:{closed_port()}", use_https=False,
                    retries=2, backoff=0.01, progress=False)
    assert tree(tmp_path) == {}


def test_retries_are_recorded_and_client_errors_are_not_retried(tmp_path: Path) -> None:
    faults = {"85163NED/TypedDataSet": [Fault.status(500, times=None)], "85984NED/TableInfos": [Fault.status(403)]}
    with ReplayServer(faults=faults) as server:
        with pytest.raises(ExtractError):
            fetch(server, "85163NED", tmp_path, retries=3)
        with pytest.raises(ExtractError, match="HTTP 403"):
            fetch(server, "85984NED", tmp_path, retries=3)
    assert server.statuses("85163NED/TypedDataSet") == [500] * 4
    assert server.statuses("85984NED/TableInfos") == [403]
    assert cbsodata.options.use_https is True  # restored after failures too


def test_written_cache_is_what_the_server_sent(tmp_path: Path) -> None:
    with ReplayServer() as server:
        cache = read_table_cache(fetch(server, "85163NED", tmp_path))
    properties = json.loads((tmp_path / "85163NED" / "DataProperties.json").read_text(encoding="utf-8"))
    assert properties == cache.data_properties and [p["Key"] for p in properties][:2] == ["WijkenEnBuurten",
                                                                                           "Perioden"]
    snapshot = pd.read_parquet(SNAPSHOT_TABLES / "85163NED" / "TypedDataSet.parquet")
    pd.testing.assert_frame_equal(cache.data.drop(columns="ID"), snapshot, check_dtype=False)


def test_configured_proxy_is_not_used_for_a_local_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dead_proxy = f"http://127.0.0.1:{closed_port()}"
    monkeypatch.setitem(cbsodata.options.requests, "proxies", {"http": dead_proxy, "https": dead_proxy})
    with ReplayServer() as server:
        assert len(read_table_cache(fetch(server, "85163NED", tmp_path, retries=0)).data) == 579
