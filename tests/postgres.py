"""A real PostgreSQL on 127.0.0.1 for a test (initdb/pg_ctl of the Debian package, data in tmp_path).

Skips, with the reason, only where PostgreSQL is not installed (`.ci/run` installs it). Used by the
Dagster Postgres storage test and the DuckLake (Postgres catalog) tests.
"""

from __future__ import annotations

import getpass
import glob
import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def _pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_server_user(args: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its tools as the `postgres` user then."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


def _make_reachable(path: Path) -> None:
    """As root, let the postgres user reach `path` (pytest's temporary folders are 0700): add the
    search bit (not read) to each ancestor that lacks it, and hand `path` itself over."""
    for parent in reversed(path.parents):
        mode = parent.stat().st_mode
        if not mode & 0o001:
            parent.chmod(mode | 0o001)
    shutil.chown(path, "postgres", "postgres")


@contextmanager
def running_postgres(tmp_path: Path) -> Iterator[dict]:
    """Start a server in `tmp_path`; yields Dagster's `postgres_db` settings for it (see libpq())."""
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not initdb or not pg_ctl:
        pytest.skip("PostgreSQL is not installed (initdb/pg_ctl not found): `apt-get install -y postgresql` "
                    "(.ci/run does this) to run the Postgres storage test")
    if os.geteuid() == 0 and not shutil.which("runuser"):
        pytest.skip("running as root without runuser: cannot start PostgreSQL as the postgres user")
    data = tmp_path / "pgdata"
    data.mkdir()
    user = "postgres" if os.geteuid() == 0 else getpass.getuser()
    if os.geteuid() == 0:
        _make_reachable(data)
    port = _free_port()
    subprocess.run(_as_server_user([initdb, "-D", str(data), "-U", user, "--auth=trust", "-E", "UTF8"]),
                   check=True, capture_output=True)
    log = data / "server.log"
    subprocess.run(_as_server_user([
        pg_ctl, "-D", str(data), "-l", str(log), "-w", "-t", "60", "start",
        "-o", f"-h 127.0.0.1 -p {port} -k {data}"]), check=True, capture_output=True)
    try:
        # SQLAlchemy 2.1 defaults `postgresql://` to psycopg 3; dagster-postgres ships psycopg2.
        yield {"hostname": "127.0.0.1", "port": port, "username": user, "password": "", "db_name": "postgres",
               "scheme": "postgresql+psycopg2"}
    finally:
        subprocess.run(_as_server_user([pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"]), capture_output=True)


def libpq(server: dict) -> str:
    """The libpq connection string of the `postgres` fixture's server (DuckLake's catalog)."""
    return f"dbname={server['db_name']} host={server['hostname']} port={server['port']} user={server['username']}"
