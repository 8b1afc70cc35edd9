"""The command line: readable failures, the old database keeps serving, and every option is documented."""
from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines import release
from pipelines.cli import _parser

ROOT = Path(__file__).resolve().parents[1]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_cli(*args, build_dir: Path, cache_dir: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "BUURTBALANS_BUILD_DIR": str(build_dir), "BUURTBALANS_CACHE_DIR": str(cache_dir)}
    env.pop("BUURTBALANS_CATALOG_URL", None)
    return subprocess.run([sys.executable, "-m", "pipelines", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)


def test_unreachable_cbs_is_one_readable_line_and_the_old_database_keeps_serving(serving_copy, tmp_path):
    current = release.current_release(serving_copy)
    digest = hashlib.sha256(current.read_bytes()).hexdigest()
    proc = run_cli("refresh", "--table", "85984NED", "--catalog-url", f"127.0.0.1:{_closed_port()}", "--http",
                   "--retries", "1", "--timeout", "2", "--no-progress", build_dir=serving_copy, cache_dir=tmp_path / "c")
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "85984NED" in lines[0] and "vorige database blijft in gebruik" in lines[0]
    assert release.current_release(serving_copy) == current
    assert hashlib.sha256(current.read_bytes()).hexdigest() == digest
    assert not list((tmp_path / "c").glob("85984NED"))


def test_unknown_table_is_refused_without_a_traceback(serving_copy, tmp_path):
    proc = run_cli("refresh", "--table", "99999XXX", build_dir=serving_copy, cache_dir=tmp_path / "c")
    assert proc.returncode != 0 and "onbekende tabel 99999XXX" in proc.stderr and "Traceback" not in proc.stderr


def test_build_prints_a_summary(tmp_path):
    proc = run_cli("build", build_dir=tmp_path / "b", cache_dir=tmp_path / "c")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
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
