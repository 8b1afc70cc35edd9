"""The command line: readable failures, the old database keeps serving, and every option is documented."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import duckdb

from pipelines import release
from pipelines.code_stamp import stale_reason
from pipelines.cli import _parser
from tests.replay_server import SNAPSHOT_TABLES, Fault, ReplayServer
from tests.conftest import sha256_file, snapshot_of

ROOT = Path(__file__).resolve().parents[1]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_cli(*args, build_dir: Path, cache_dir: Path, snapshot: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "BUURTBALANS_BUILD_DIR": str(build_dir), "BUURTBALANS_CACHE_DIR": str(cache_dir)}
    env.pop("BUURTBALANS_CATALOG_URL", None)
    if snapshot is not None:
        env["BUURTBALANS_SNAPSHOT_DIR"] = str(snapshot)
    return subprocess.run([sys.executable, "-m", "pipelines", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)


def test_unreachable_cbs_is_one_readable_line_and_the_old_database_keeps_serving(serving_copy, tmp_path):
    current = release.current_release(serving_copy)
    digest = sha256_file(current)
    proc = run_cli("refresh", "--table", "85984NED", "--catalog-url", f"127.0.0.1:{_closed_port()}", "--http",
                   "--retries", "1", "--timeout", "2", "--no-progress", build_dir=serving_copy, cache_dir=tmp_path / "c")
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "85984NED" in lines[0] and "vorige database blijft in gebruik" in lines[0]
    assert release.current_release(serving_copy) == current
    assert sha256_file(current) == digest
    assert not list((tmp_path / "c").glob("85984NED"))


def test_unknown_table_is_refused_without_a_traceback(serving_copy, tmp_path):
    proc = run_cli("refresh", "--table", "99999XXX", build_dir=serving_copy, cache_dir=tmp_path / "c")
    assert proc.returncode != 0 and "onbekende tabel 99999XXX" in proc.stderr and "Traceback" not in proc.stderr


def test_build_prints_a_summary(build_stdout):
    """The session release is built by `python -m pipelines build` (tests/conftest.py cli_build): its stdout."""
    out = build_stdout
    assert "tabel 50090NED" in out and "buurt 14,574" in out and "indicatoren met waarden" in out
    assert "85318NED" in out  # the table a live refresh would add is named as missing
    assert "1,503 niet (andere buurtindeling)" in out


def test_every_command_and_option_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    sub = next(a for a in _parser()._actions if a.dest == "command")
    for name, parser in sub.choices.items():
        assert f"pipelines {name}" in readme or f"make {name}" in readme, name
        for action in parser._actions:
            for flag in action.option_strings:
                if flag.startswith("--") and flag != "--help":
                    assert flag in readme, f"{name} {flag} is not documented in README.md"


# --------------------------------------------------------------------------------------------------------------
# Issue 11 §6: a refresh never publishes a poorer release (real cbsodata against the replay server)
# --------------------------------------------------------------------------------------------------------------

def _digest(build_dir: Path) -> tuple[Path, str]:
    current = release.current_release(build_dir)
    return current, sha256_file(current)


def test_one_page_with_a_period_not_in_perioden_is_refused_and_the_old_release_keeps_serving(serving_copy, tmp_path):
    before = _digest(serving_copy)
    faults = {"50090NED": [Fault.drop_next_link(), Fault.set_value("Perioden", "2099JJ00", {"Perioden": "2016JJ00"})]}
    with ReplayServer(regions=("NL", "GM0363", "WK0363"), faults=faults, page_size=200) as server:
        proc = run_cli("refresh", "--table", "50090NED", "--catalog-url", server.host, "--http", "--no-progress",
                       "--retries", "0", build_dir=serving_copy, cache_dir=tmp_path / "c")
        data_requests = server.paths("/50090NED/TypedDataSet")
    assert len(data_requests) == 1  # one page, no nextLink: the silent short answer of the issue
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "Perioden-code die niet in de codelijst Perioden" in proc.stderr and "2099JJ00" in proc.stderr
    assert "vorige database blijft in gebruik" in proc.stderr
    assert _digest(serving_copy) == before
    assert not (tmp_path / "c" / "50090NED").exists() and not (tmp_path / "c" / ".incoming" / "50090NED").exists()


def test_a_table_that_covers_clearly_fewer_regions_is_refused_unless_accepted(serving_copy, tmp_path):
    """85163NED in the snapshot covers Amsterdam; one page of 100 rows and no nextLink leaves most regions out.
    The refresh sees a snapshot of 85163NED (the previous version it compares with) and 50150NED (so the accepted
    build validates): the build after --accept-shrink reads two tables instead of six (~4 s CPU instead of 25 s);
    what is refused or published depends only on 85163NED's old and new versions."""
    from pipelines.cache import read_table_cache
    from pipelines.catalogue import load_catalogue
    from pipelines.freshness import coverage
    from pipelines.transform import table_to_long

    cat = load_catalogue()
    shipped = coverage(table_to_long(read_table_cache(SNAPSHOT_TABLES / "85163NED"), cat.tables["85163NED"], cat))
    shipped = shipped["regio's"]  # regions with a value in the shipped table
    before = _digest(serving_copy)
    args = ["refresh", "--table", "85163NED", "--http", "--no-progress", "--retries", "0"]
    snapshot = snapshot_of(tmp_path / "snapshot", "85163NED", "50150NED")
    with ReplayServer(faults={"85163NED": [Fault.drop_next_link()]}, page_size=100) as server:
        refused = run_cli(*args, "--catalog-url", server.host, build_dir=serving_copy, cache_dir=tmp_path / "c",
                          snapshot=snapshot)
        assert refused.returncode == 1, refused.stdout
        assert "dekken duidelijk minder dan de vorige versie" in refused.stderr and "--accept-shrink" in refused.stderr
        assert f"in plaats van {shipped:,}".replace(",", ".") in refused.stderr  # regions: from the shipped file
        assert _digest(serving_copy) == before
        accepted = run_cli(*args, "--accept-shrink", "--catalog-url", server.host, build_dir=serving_copy,
                           cache_dir=tmp_path / "c", snapshot=snapshot)
    assert accepted.returncode == 0, accepted.stderr
    assert release.current_release(serving_copy) != before[0]
    assert len(read_table_cache(tmp_path / "c" / "85163NED").data) == 100  # the one page it accepted


def test_ensure_keeps_a_database_this_code_built_and_rebuilds_one_older_code_built(serving_copy, tmp_path):
    """`make run` runs `python -m pipelines ensure`: a release built by this pipeline code is kept as it is; one
    that other code built (build_info.code_stamp differs, or has none) is built again, from the same caches."""
    current = release.current_release(serving_copy)
    proc = run_cli("ensure", build_dir=serving_copy, cache_dir=tmp_path / "c")
    assert proc.returncode == 0 and "De database is bij" in proc.stdout
    assert release.current_release(serving_copy) == current
    with duckdb.connect(str(current)) as con:
        con.execute("alter table build_info drop column code_stamp")      # as a release from before the stamp
    assert stale_reason(serving_copy) == "de database is gemaakt door een oudere versie van Buurtbalans"
    with duckdb.connect(str(current)) as con:
        con.execute("alter table build_info add column code_stamp varchar default 'ouder'")
    assert stale_reason(serving_copy) == "de database is gemaakt met andere pipelinecode dan deze versie"
    assert stale_reason(tmp_path / "leeg") == "er is nog geen database"
    snapshot = snapshot_of(tmp_path / "snapshot", "50150NED")              # a cheap rebuild through every step
    proc = run_cli("ensure", build_dir=serving_copy, cache_dir=tmp_path / "c", snapshot=snapshot)
    assert proc.returncode == 0 and "Database bouwen: de database is gemaakt met andere pipelinecode" in proc.stdout
    assert release.current_release(serving_copy) != current and stale_reason(serving_copy) is None
