"""The command line as a user runs it: init, demo, status, sql."""

from __future__ import annotations

import datetime as dt

import pytest

from pipelines.cli import main
from pipelines.demo import DEMO_TIMEZONE
from pipelines.schedules import local_day
from tests.corpus import PROJECT_ROOT


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    directory = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as patch:  # as a user runs it: no DAGSTER_HOME set; and none left set
        patch.delenv("DAGSTER_HOME", raising=False)
        assert main(["demo", "--dir", str(directory)]) == 0
    return directory


def test_demo_prints_kpis_for_every_sample_account(demo, capsys):
    assert main(["--config", str(demo / "socialkpi.yaml"), "status"]) == 0
    out = capsys.readouterr().out
    for account in ("100000000000001", "17841400000000001", "acme"):
        assert f"{account}" in out and "days=90" in out
    assert "loaded: 16" in out


def test_demo_data_ends_yesterday_in_an_instance_with_the_projects_settings(demo, capsys):
    yesterday = local_day(None, DEMO_TIMEZONE) - dt.timedelta(days=1)  # freshness green, nothing missing
    assert main(["--config", str(demo / "socialkpi.yaml"), "status"]) == 0
    accounts = [line for line in capsys.readouterr().out.splitlines() if " brand=" in line]
    assert len(accounts) == 3 and all(line.endswith(f"days=90    last={yesterday}") for line in accounts), accounts
    # pool limit 1, run retries, run monitoring for the UI over the demo (`make ui`)
    settings = (demo / "dagster_home" / "dagster.yaml").read_text(encoding="utf-8")
    assert settings == (PROJECT_ROOT / "pipelines" / "dagster.yaml").read_text(encoding="utf-8")


def test_sql_reads_the_snapshot_and_nothing_else(demo, capsys, tmp_path):
    config = str(demo / "socialkpi.yaml")
    assert main(["--config", config, "sql", "SELECT count(DISTINCT kpi) AS kpis FROM kpi.daily"]) == 0
    assert "kpis" in capsys.readouterr().out
    target = tmp_path / "leak.csv"
    assert main(["--config", config, "sql", f"COPY (SELECT 1) TO '{target}'"]) == 1
    assert "query failed" in capsys.readouterr().err
    assert not target.exists()


def test_init_writes_a_valid_config_once(tmp_path, capsys):
    path = tmp_path / "socialkpi.yaml"
    assert main(["--config", str(path), "init"]) == 0
    assert (tmp_path / "data" / "exports").is_dir()
    assert main(["--config", str(path), "init"]) == 1  # never overwrites without --force
    assert "already exists" in capsys.readouterr().err


def test_config_errors_exit_2_with_the_file_named(tmp_path, capsys):
    path = tmp_path / "bad.yaml"
    path.write_text("start_date: 2025-01-01\nbrands: [{id: a, name: A}]\nwarehous: x\n")
    assert main(["--config", str(path), "status"]) == 2
    assert f"{path}: warehous: unknown key" in capsys.readouterr().err
