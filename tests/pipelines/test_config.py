"""Config validation: every error names the file, the key and what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.config import ConfigError, load_config

BASE = """\
start_date: "2025-01-01"
brands: [{id: acme, name: Acme, competitors: [{id: globex, name: Globex}]}]
accounts:
  - {platform: twitter, account_id: 123, brand: acme}
"""


def write(tmp_path, text):
    path = tmp_path / "socialkpi.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_config_resolves_paths_and_ids(tmp_path, monkeypatch):
    monkeypatch.delenv("SOCIALKPI_WAREHOUSE", raising=False)
    config = load_config(write(tmp_path, BASE))
    assert config.accounts[0].account_id == "123"  # numeric YAML ids become text
    assert config.platform_of("twitter") == "x"
    assert config.warehouse_path == tmp_path / "data" / "warehouse.duckdb"
    monkeypatch.setenv("SOCIALKPI_WAREHOUSE", "/elsewhere/w.duckdb")
    assert str(config.warehouse_path) == "/elsewhere/w.duckdb"


@pytest.mark.parametrize(("text", "message"), [
    (BASE + "lookback_dayz: 3\n", "lookback_dayz: unknown key"),
    (BASE.replace("twitter", "myspace"), "accounts[0].platform: unknown platform 'myspace'"),
    (BASE.replace("brand: acme}", "brand: acme, timezone: Mars/Base}"), "unknown timezone 'Mars/Base'"),
    (BASE.replace("brand: acme}", "brand: initech}"), "accounts[0].brand: unknown brand 'initech'"),
    (BASE.replace('start_date: "2025-01-01"\n', ""), "start_date: required key is missing"),
    (BASE + "targets: [{id: t, kpi: followers, scope: {brand: acme}, target: 5, start: 2025-02-01, "
            "due: 2025-01-01}]\n", "must be after start"),
    (BASE + 'warehouse: "ducklake:"\n', "warehouse: 'ducklake:': name the DuckLake catalog"),
    (BASE + 'warehouse_data_path: "lake"\n', "warehouse_data_path: only for a DuckLake warehouse"),
    ("- just a list\n", "expected a mapping"),
    ("brands: [\n", "not valid YAML"),
])
def test_errors_name_file_key_and_problem(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert str(path) in str(error.value)
    assert message in str(error.value)


def test_a_competitor_account_is_marked_as_such(tmp_path):
    from connectors.base import load_connectors
    from pipelines.resources import account_rows

    config = load_config(write(tmp_path, BASE + "  - {platform: x, account_id: globexhq, brand: globex}\n"))
    rows = {r.account_id: r.is_competitor for r in account_rows(config, load_connectors())}
    assert rows == {"123": False, "globexhq": True}


def test_missing_file_says_how_to_create_one(tmp_path):
    with pytest.raises(ConfigError, match="socialkpi init"):
        load_config(tmp_path / "nope.yaml")


def test_a_ducklake_warehouse_has_a_catalog_and_a_data_path(tmp_path, monkeypatch):
    from warehouse.connection import DuckLake

    monkeypatch.delenv("SOCIALKPI_WAREHOUSE", raising=False)
    monkeypatch.delenv("SOCIALKPI_WAREHOUSE_DATA_PATH", raising=False)
    config = load_config(write(tmp_path, BASE + 'warehouse: "ducklake:postgres:dbname=kpi host=pg"\n'
                                                'warehouse_data_path: "lake"\n'))
    assert config.warehouse_target == DuckLake("postgres:dbname=kpi host=pg", f"{tmp_path / 'lake'}/")
    assert config.analytics_target == config.warehouse_target  # analysts attach the lake itself
    assert config.local_dir == tmp_path / "data"  # beside the analytics_snapshot default
    with pytest.raises(ConfigError, match="is a DuckLake, not a DuckDB file"):
        _ = config.warehouse_path
    monkeypatch.setenv("SOCIALKPI_WAREHOUSE_DATA_PATH", "s3://acme/lake/")
    assert config.warehouse_target.data_path == "s3://acme/lake/"  # object storage paths stay as written
    monkeypatch.setenv("SOCIALKPI_WAREHOUSE", "/srv/w.duckdb")  # and the variable switches back to a file
    assert config.warehouse_target == Path("/srv/w.duckdb") == config.warehouse_path
