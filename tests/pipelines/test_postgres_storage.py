"""The pipeline runs with Dagster's Postgres instance storage (docs/scaling.md), against a real
PostgreSQL started in the test on 127.0.0.1 (initdb/pg_ctl of the Debian package, data in tmp_path).

Skipped, with the reason, only where PostgreSQL is not installed (`.ci/run` installs it).
"""

from __future__ import annotations

import getpass
import glob
import os
import shutil
import socket
import subprocess
from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster._core.instance.ref import InstanceRef

from pipelines.build import build_definitions
from pipelines.config import load_config
from pipelines.demo import write_demo
from tests.helpers import D

PROJECT = Path(__file__).resolve().parents[2]


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


@pytest.fixture
def postgres(tmp_path):
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


def test_pipeline_runs_with_postgres_instance_storage(tmp_path, postgres):
    home = tmp_path / "dagster_home"
    home.mkdir()
    settings = yaml.safe_load((PROJECT / "dagster.yaml").read_text(encoding="utf-8"))
    settings["storage"] = {"postgres": {"postgres_db": postgres}}
    (home / "dagster.yaml").write_text(yaml.safe_dump(settings), encoding="utf-8")
    config = load_config(write_demo(tmp_path / "demo", D(2025, 1, 1), D(2025, 1, 10)))
    defs = build_definitions(config)

    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home))) as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        result = dg.materialize(
            list(defs.assets), resources=defs.resources, instance=instance,
            tags={"dagster/asset_partition_range_start": "2025-01-01",
                  "dagster/asset_partition_range_end": "2025-01-10"})
        assert result.success
        run_id = result.run_id

    # A second instance on the same database sees the run and its materialisations: they live in
    # Postgres, not in DAGSTER_HOME.
    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home))) as instance:
        run = instance.get_run_by_id(run_id)
        assert run is not None and run.status == dg.DagsterRunStatus.SUCCESS
        materialized = instance.get_latest_materialization_event(dg.AssetKey("kpi_daily"))
        assert materialized is not None and materialized.run_id == run_id
    assert not list(home.glob("**/*.db")), "Dagster fell back to SQLite files in DAGSTER_HOME"
