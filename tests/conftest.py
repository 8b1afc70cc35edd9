"""Shared fixtures: one real release database built from the shipped snapshot per test session."""
from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from pipelines import release

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT_TABLES = ROOT / "data" / "snapshot" / "tables"
BUILD_STDOUT = "build-stdout.txt"


# `make test` runs on two pytest-xdist workers with --dist loadgroup: a work unit is an xdist group (all its tests on
# one worker) or a single test. xdist itself queues units by their number of tests, so a long single test (the
# wijkagenda browser flow, a property test) used to start late and run alone at the end while the other worker
# idled. The hook below queues the units longest first (longest-processing-time first: the two workers then finish
# within about the shortest unit of each other). UNIT_SECONDS holds what the long units took in the full run of
# 2026-12-01 21:14 (main 307f46c, --durations, divided by 4 for that run's load of 10-20: about a quiet fresh clone);
# keys: a group name, or the start of a test id ("tests/..."). Every other unit counts half a second per test and
# keeps xdist's order (more tests first). The wijkagenda flow goes first: it builds its own release, so it keeps one
# worker busy while the other builds the session release that nearly every other unit waits for. A wrong figure
# costs only balance, never a result.
UNIT_SECONDS = {
    "browser-test_browser_wijkagenda": 200, "browser-test_browser_a11y": 112, "replayed_refresh": 108,
    "test_build_settings": 90, "tests/test_wijkagenda_import_properties.py::test_generated": 85,
    "browser-test_browser_routes": 86, "test_discover": 77, "browser-test_browser_kaart": 53,
    "browser-test_browser_bewonerskaart": 43, "browser-test_browser_gesprekskaart": 37, "test_stats_views": 25,
    "killed_then_rebuilt": 23, "tests/test_app_verbanden.py::test_only_indicators": 20,
    "tests/test_app_profiel.py::test_first_start": 15, "tests/test_bewoners_privacy.py::test_the_long_digit": 15,
    "browser-test_browser_profiel": 15, "browser-test_browser_wijkagenda_input": 15, "test_stats_peers": 12, "tests/test_bewoners_upload_properties.py": 11,
    "tests/test_summary.py::test_every_told": 11, "tests/test_cli.py::test_ensure": 11,
    "tests/test_gesprekskaart_pdf.py::test_pack_prints": 10, "test_replay_refresh_cache": 10, "test_text_rules": 20,
    "browser-test_browser_verbanden": 40, "browser-test_browser_select_boxes": 35,
}


def unit_seconds(scope: str, tests: int) -> float:
    if scope in UNIT_SECONDS:
        return UNIT_SECONDS[scope]
    return max([v for k, v in UNIT_SECONDS.items() if k.startswith("tests/") and scope.startswith(k)]
               or [0.5 * tests])


@pytest.hookimpl(optionalhook=True)   # a run with -p no:xdist has no such hook
def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") != "loadgroup":
        return None
    from collections import OrderedDict

    from xdist.scheduler import LoadGroupScheduling

    class LongestFirst(LoadGroupScheduling):
        ordered = False

        def _assign_work_unit(self, node):
            if not self.ordered:   # the first assignment: the queue holds every unit
                self.ordered = True
                self.workqueue = OrderedDict(sorted(self.workqueue.items(),
                                                    key=lambda unit: -unit_seconds(unit[0], len(unit[1]))))
            super()._assign_work_unit(node)
    return LongestFirst(config, log)


def cli_build(folder: Path) -> None:
    """`python -m pipelines build` into `folder` from the shipped snapshot only (an empty live cache), as a user
    runs it; its stdout (the build summary) is kept in folder/build-stdout.txt for tests of the CLI's output."""
    env = {**os.environ, "BUURTBALANS_BUILD_DIR": str(folder), "BUURTBALANS_CACHE_DIR": str(folder / "no-cache")}
    for name in ("BUURTBALANS_SNAPSHOT_DIR", "BUURTBALANS_PAUSE_AT", "BUURTBALANS_CATALOG_URL"):
        env.pop(name, None)
    done = subprocess.run([sys.executable, "-m", "pipelines", "build"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=1800)
    assert done.returncode == 0, done.stderr[-3000:]
    (folder / BUILD_STDOUT).write_text(done.stdout, encoding="utf-8")


@pytest.fixture(scope="session")
def build_dir(tmp_path_factory, worker_id) -> Path:
    """A build folder holding a published release built from data/snapshot (no network) by the command line
    (`cli_build`), read-only for tests. Under pytest-xdist the workers share ONE such build (the first worker
    builds it under a lock; the others wait and reuse it): a release is the same whoever builds it, and two builds
    would only compete for the cores. Tests that rebuild, kill or refresh work on their own copy (`serving_copy`)."""
    if worker_id == "master":
        folder = tmp_path_factory.mktemp("build")
        cli_build(folder)
        return folder
    shared = tmp_path_factory.getbasetemp().parent / "shared-build"
    shared.mkdir(exist_ok=True)
    with open(shared / ".fixture.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (shared / "current.duckdb").exists():
            cli_build(shared)
    return shared


@pytest.fixture(scope="session")
def build_stdout(build_dir) -> str:
    """What `python -m pipelines build` printed when it built the session release."""
    return (build_dir / BUILD_STDOUT).read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def release_path(build_dir) -> Path:
    return release.current_release(build_dir)


@pytest.fixture()
def con(release_path):
    connection = duckdb.connect(str(release_path), read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="session")
def buurt_wide(release_path):
    """mart_buurt_wide as a DataFrame indexed by region_code (the input of dashboard.stats)."""
    with duckdb.connect(str(release_path), read_only=True) as connection:
        return connection.execute("select * from mart_buurt_wide").fetchdf().set_index("region_code")


def copy_release(release_path: Path, folder: Path) -> Path:
    """`folder` (created) as a build dir of its own whose current release is a copy of `release_path`."""
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / release_path.name
    shutil.copyfile(release_path, copy)   # streamed: a release is ~80 MB
    release.publish(copy, folder)
    return folder


@pytest.fixture()
def serving_copy(tmp_path, release_path) -> Path:
    """A build dir of the test's own whose current release is a copy of the session release (tests that
    rebuild, kill or refresh must not touch the shared one)."""
    return copy_release(release_path, tmp_path / "build")


# ----------------------------------------------------------------------------------------------- user store
@pytest.fixture(scope="session")
def pg_cluster():
    """A throwaway PostgreSQL cluster (tests/pg_cluster.py), started once per session, stopped at the end."""
    from tests.pg_cluster import PgCluster

    cluster = PgCluster().start()
    yield cluster
    cluster.stop()


@pytest.fixture(params=["duckdb", "postgresql"])
def user_store_target(request, tmp_path) -> str:
    """The same store test runs on both backends: a fresh DuckDB file, or a fresh PostgreSQL database."""
    if request.param == "duckdb":
        return str(tmp_path / "user" / "bewonerskaart.duckdb")
    return request.getfixturevalue("pg_cluster").new_database()


@pytest.fixture(scope="session", autouse=True)
def _scan_components_once():
    """Every new AppTest scans the metadata of all installed packages for Streamlit v2 components (~0.1 s CPU,
    several seconds of wall time on a busy machine). The installed packages do not change during a test run, so
    the scan runs once per session; a running server also scans once, at start."""
    from functools import lru_cache

    from streamlit.components.v2 import manifest_scanner

    original = manifest_scanner.scan_component_manifests
    cached = lru_cache(maxsize=None)(lambda: original())
    manifest_scanner.scan_component_manifests = lambda max_workers=None: list(cached())
    yield
    manifest_scanner.scan_component_manifests = original


# ----------------------------------------------------------------------------------------------- bewoners
BUURT_SHAPES = ROOT / "data" / "snapshot" / "geo" / "buurten_2024_benadering.geojson"


@pytest.fixture(scope="session")
def buurt_shapes() -> dict:
    """The shipped (approximate, reconstructed) 2024 buurt shapes as GeoJSON."""
    import json
    return json.loads(BUURT_SHAPES.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def locator(buurt_shapes):
    """A BuurtLocator on the shipped 2024 shapes, built once per session (about two seconds)."""
    from dashboard.bewoners.geo import BuurtLocator
    return BuurtLocator.from_geojson(buurt_shapes)


@pytest.fixture(scope="session")
def known(locator):
    """The buurt codes the locator knows, as the uploads check them."""
    from dashboard.bewoners import BuurtCodes
    return BuurtCodes(locator.known_codes)


@pytest.fixture()
def asset_store(user_store_target, known, locator):
    """A Bewonerskaart AssetStore on each user-store backend, checking buurt codes and coordinates on update."""
    from dashboard.bewoners import AssetStore
    return AssetStore(user_store_target, known_buurt_codes=known, locator=locator)


@pytest.fixture()
def make_asset(known, locator):
    """Build a valid asset (in BU0363AD05 unless told otherwise) with the fields given."""
    from dashboard.bewoners import build_asset

    def asset(name: str = "Buurthuis", category: str = "plekken", buurt_code: str | None = "BU0363AD05", **fields):
        raw = {"name": name, "category": category, "buurt_code": buurt_code, **fields}
        return build_asset(raw, known_buurt_codes=known, locator=locator)
    return asset


@pytest.fixture()
def template_assets(known, locator):
    """The three assets of the shipped upload template (dashboard/bewoners/template.csv)."""
    from dashboard.bewoners import TEMPLATE_CSV, parse_upload
    return parse_upload(TEMPLATE_CSV.read_bytes(), "template.csv", known_buurt_codes=known, locator=locator).assets


# ----------------------------------------------------------------------------------------------- app pages
@pytest.fixture()
def user_store_path(build_dir, tmp_path, monkeypatch) -> Path:
    """A fresh user store for the app: a tmp DuckDB file named by BUURTBALANS_USER_DB (and the Bewonerskaart's
    older variable), the session release as build dir, the default open edit mode; Streamlit caches cleared
    before and after, so no later test sees this store."""
    import streamlit as st

    monkeypatch.setenv("BUURTBALANS_BUILD_DIR", str(build_dir))
    path = tmp_path / "user" / "bewonerskaart.duckdb"
    monkeypatch.setenv("BUURTBALANS_USER_DB", str(path))
    monkeypatch.setenv("BUURTBALANS_BEWONERSKAART_DB", str(path))
    monkeypatch.delenv("BUURTBALANS_EDIT_MODE", raising=False)
    st.cache_data.clear()
    st.cache_resource.clear()
    yield path
    st.cache_resource.clear()


@pytest.fixture()
def release_app(build_dir, monkeypatch):
    """A factory for the whole app (dashboard/app.py) in AppTest against the session release, with Streamlit's
    caches cleared: release_app(page=None, timeout=120, run_first=True, **query) sets the query parameters and
    runs; with a page ('app_pages/x.py') it switches there (after a first run of the app unless run_first=False)
    and runs again."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("BUURTBALANS_BUILD_DIR", str(build_dir))
    st.cache_data.clear()
    st.cache_resource.clear()

    def make(page: str | None = None, *, timeout: int = 120, run_first: bool = True, **query) -> AppTest:
        return open_app_page(page, timeout=timeout, run_first=run_first, **query)
    return make


def open_app_page(page: str | None, *, secrets: dict | None = None, session: dict | None = None,
                  timeout: int = 120, run_first: bool = True, **query):
    """The whole app (dashboard/app.py) in AppTest with the query (e.g. regio=...) and `secrets`, run; with a page
    ('app_pages/x.py') it is switched there (after a first run unless run_first=False), `session_state` values are
    set, and it runs again. Set the environment first (user_store_path, or BUURTBALANS_BUILD_DIR)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=timeout)
    for key, value in (secrets or {}).items():
        at.secrets[key] = value
    for key, value in query.items():
        at.query_params[key] = value
    if page is None:
        return at.run()
    if run_first:
        at.run()
    at = at.switch_page(page)
    for key, value in (session or {}).items():
        at.session_state[key] = value
    return at.run()


@pytest.fixture()
def app_page():
    """open_app_page as a fixture."""
    return open_app_page


def page_bodies(node) -> list[str]:
    """The markdown and st.html bodies under an AppTest node (at.main, a column), in page order: the profile's
    own HTML (the context strip, the lens titles and blocks) is st.html (profile.view.html_block), the rest is
    markdown. The app's style sheet (style-only st.html) is not under at.main."""
    return [e.value for e in node if getattr(e, "type", None) in ("markdown", "html")]


def page_text(node) -> str:
    """page_bodies joined by newlines: the text and HTML a reader of that part of the page is given."""
    return "\n".join(page_bodies(node))


def except_all_counts(con, a: str, b: str) -> tuple[int, int]:
    """(rows of `a except all b`, rows of `b except all a`) for two tables with the same columns, in one pass:
    per distinct row, its copies in a minus its copies in b (NULLs group together, as EXCEPT ALL matches them);
    the positive differences add up to a's unmatched rows, the negative ones to b's."""
    cols = ", ".join(f'"{c}"' for (c,) in con.execute(f"select column_name from (describe {a})").fetchall())
    return con.execute(f"""select coalesce(sum(greatest(n, 0)), 0)::bigint, coalesce(sum(greatest(-n, 0)), 0)::bigint
                           from (select count(*) filter (where side = 'a') - count(*) filter (where side = 'b') as n
                                 from (select {cols}, 'a' as side from {a} union all select {cols}, 'b' from {b})
                                 group by {cols})""").fetchone()


# ----------------------------------------------------------------------------------------------- replayed refresh
REFRESH_STORE_ROWS = [
    {"name": "Repair Café Dapperbuurt", "category": "verenigingen", "buurt_code": "BU0363ME01"},
    {"name": "Buurthuis De Boomgaard", "category": "plekken", "buurt_code": "BU03440121",
     "lon": 5.1, "lat": 52.09, "description": "Koffie op dinsdag", "date": "2024-03-01"}]


@dataclass
class ReplayedRefresh:
    data: Path               # data/build, data/cache, data/user as in the repository
    tables: list[str]        # every table the refresh fetched
    stdout: str
    requested: list[str]     # request paths the replay server saw
    first: Path              # the release serving before the refresh
    store_path: Path         # the residents' Bewonerskaart store in data/user
    store_sha: str           # its sha256 before the refresh
    user_files: dict[str, str]  # name -> sha256 of every file in data/user before the refresh


def run_in_threads(target, n: int) -> None:
    """target(0) … target(n - 1), each on its own thread, all at once; returns when every one has finished
    (concurrent sessions of the user stores)."""
    threads = [threading.Thread(target=target, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def xlsx_bytes() -> bytes:
    """A real (minimal) Office Open XML file: a zip archive, as Excel writes it."""
    import io
    import zipfile
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


def snapshot_of(folder: Path, *tables: str) -> Path:
    """A snapshot folder (BUURTBALANS_SNAPSHOT_DIR) holding only `tables` of the shipped one, its shapes and files:
    a build from it goes through every step at a fraction of a full build's cost."""
    (folder / "tables").mkdir(parents=True)
    for table in tables:
        (folder / "tables" / table).symlink_to(SNAPSHOT_TABLES / table)
    for name in ("geo", "files"):
        (folder / name).symlink_to(SNAPSHOT_TABLES.parent / name)
    return folder


def sha256_file(path: Path) -> str:
    """The file's sha256, read in chunks (a release is ~80 MB)."""
    import hashlib
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


@pytest.fixture(scope="session")
def replayed_refresh(tmp_path_factory, release_path) -> ReplayedRefresh:
    """ONE full `python -m pipelines refresh` of every fetched catalogue table, real cbsodata client against
    tests/replay_server.py, from an empty snapshot (everything must come through cbsodata), with a copy of the
    session release serving before it. The folders mirror the real layout (data/user beside data/build and
    data/cache) and a residents' Bewonerskaart store in data/user is named by BUURTBALANS_USER_DB and
    BUURTBALANS_BEWONERSKAART_DB during the refresh (and its build). Shared by tests/test_refresh_replay.py and
    tests/test_refresh_keeps_user_store.py: both carry xdist_group("replayed_refresh"), so it runs once."""
    from dashboard.bewoners import AssetStore, build_asset
    from tests.replay_server import ReplayServer

    tmp = tmp_path_factory.mktemp("replayed-refresh")
    data = tmp / "data"
    first = release.current_release(copy_release(release_path, data / "build"))
    store_path = data / "user" / "bewonerskaart.duckdb"
    known = {row["buurt_code"] for row in REFRESH_STORE_ROWS}
    store = AssetStore(store_path, known_buurt_codes=known)
    store.add([build_asset(row, known_buurt_codes=known, locator=None) for row in REFRESH_STORE_ROWS])
    store.close()  # the file is otherwise closed after a short idle time; the checksum needs it closed now
    store_sha = sha256_file(store_path)
    user_files = {p.name: sha256_file(p) for p in sorted(store_path.parent.iterdir())}

    tables = sorted(p.name for p in SNAPSHOT_TABLES.iterdir() if (p / "fetch.json").exists())
    # file sources (catalog = "file", Kiesraad) are shipped, never fetched: the otherwise empty snapshot keeps them
    shutil.copytree(SNAPSHOT_TABLES.parent / "files", tmp / "no-snapshot" / "files")
    with ReplayServer(SNAPSHOT_TABLES) as server:
        env = {**os.environ, "BUURTBALANS_BUILD_DIR": str(data / "build"), "BUURTBALANS_CACHE_DIR": str(data / "cache"),
               "BUURTBALANS_SNAPSHOT_DIR": str(tmp / "no-snapshot"),
               "BUURTBALANS_USER_DB": str(store_path), "BUURTBALANS_BEWONERSKAART_DB": str(store_path)}
        env.pop("BUURTBALANS_PAUSE_AT", None)
        args = [sys.executable, "-m", "pipelines", "refresh", "--catalog-url", server.host, "--http",
                "--no-progress", "--timeout", "120"]
        for table in tables:
            args += ["--table", table]
        proc = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1200)
        requested = [r.path for r in server.requests]
    assert proc.returncode == 0, proc.stderr[-3000:]
    return ReplayedRefresh(data, tables, proc.stdout, requested, first, store_path, store_sha, user_files)


@pytest.fixture()
def stop_once(monkeypatch):
    """stop_once(owner, name): the next call of owner.name goes through (or, with before=True, does not run), and
    then the run is stopped, as Streamlit stops a callback or script at its next st.session_state access or element
    when another click is waiting (SafeSessionState yields to the script runner, which raises StopException).
    Seen in CI: a double click under load."""
    from streamlit.runtime.scriptrunner_utils.exceptions import StopException

    def arm(owner, name: str, before: bool = False) -> None:
        method = getattr(owner, name)

        def called_then_stopped(*args, **kwargs):
            monkeypatch.setattr(owner, name, method)       # once
            if not before:
                method(*args, **kwargs)
            raise StopException()
        monkeypatch.setattr(owner, name, called_then_stopped)
    return arm


def double_click(at, key: str):
    """A browser's double click on the button or form submit `key` (AppTest): the second submit comes from the page
    the browser still showed, before the first click's run reached it (AppTest keeps that page in `_tree`)."""
    page_shown = at._tree
    at = at.button(key=key).click().run()
    at._tree = page_shown
    return at.button(key=key).click().run()
