"""A throwaway PostgreSQL cluster for tests: Debian's postgresql (15), initdb in a temp dir, a unix socket
in that dir (no TCP), stopped and deleted afterwards. initdb refuses root, so as root it runs as `postgres`.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path


def pg_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql; .ci/run does this)")
    return Path(found[-1]).parent


class PgCluster:
    def __init__(self, port: int = 55432):
        self.bin = pg_bin()
        self.dir = Path(tempfile.mkdtemp(prefix="buurtbalans-pg-"))
        self.port = port + os.getpid() % 1000  # parallel sessions (other engineers, CI) never share a port
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            user = pwd.getpwnam("postgres")
            os.chown(self.dir, user.pw_uid, user.pw_gid)
        self.data = self.dir / "data"

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)

    def start(self) -> "PgCluster":
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        self._run("pg_ctl", "-D", str(self.data), "-o",
                  f"-k {self.dir} -c listen_addresses='' -p {self.port} -c fsync=on", "-l",
                  str(self.dir / "log"), "-w", "start")
        return self

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@/{dbname}?host={self.dir}&port={self.port}"

    def new_database(self) -> str:
        """A fresh empty schema (much cheaper than a database), reached through the URL's search_path;
        returns that URL."""
        import psycopg

        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.url(), autocommit=True) as con:
            con.execute(f"create schema {name}")
        return self.url() + f"&options=-csearch_path%3D{name}"
