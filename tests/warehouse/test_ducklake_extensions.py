"""The DuckLake extensions come from their PyPI packages, for the running DuckDB release only."""

import duckdb
import pytest

from warehouse import connection
from warehouse.connection import DuckLake, ExtensionMismatchError, connect, extension_file, parse_target


def test_the_packaged_extensions_match_the_running_duckdb():
    for name in ("ducklake", "postgres_scanner"):
        path = extension_file(name)
        assert path.is_file()
        assert path.parent.name == f"v{duckdb.__version__}"


def test_another_duckdb_release_is_refused_with_what_to_install(monkeypatch):
    monkeypatch.setattr(duckdb, "__version__", "9.9.9")  # the module connection.py imports
    with pytest.raises(ExtensionMismatchError) as error:
        extension_file("ducklake")
    message = str(error.value)
    assert "duckdb-extension-ducklake ships the ducklake extension for DuckDB v" in message
    assert "but DuckDB 9.9.9 is running" in message


def test_a_missing_package_says_which_to_install(monkeypatch):
    monkeypatch.setitem(connection.EXTENSION_PACKAGES, "ducklake", "duckdb_extension_not_there")
    with pytest.raises(ExtensionMismatchError, match="pip install 'duckdb-extension-not-there=="):
        extension_file("ducklake")


def test_targets_and_a_lake_with_a_duckdb_catalog(tmp_path):
    assert parse_target(tmp_path / "w.duckdb") == tmp_path / "w.duckdb"
    assert parse_target("ducklake:postgres:dbname=x", "s3://b/") == DuckLake("postgres:dbname=x", "s3://b/")
    lake = DuckLake(str(tmp_path / "catalog.ducklake"), f"{tmp_path / 'files'}/")
    assert not connection.exists(lake)  # a read-only look creates nothing
    assert not (tmp_path / "catalog.ducklake").exists()
    with connect(lake) as con:  # a writer creates and migrates it; view column comments are left out
        con.execute("INSERT INTO meta.published_snapshots VALUES (7, TIMESTAMP '2025-01-01 00:00:00')")
        views = con.execute("SELECT count(*) FROM duckdb_views() WHERE database_name = current_database() "
                            "AND schema_name = 'kpi' AND view_name = 'daily_wide'").fetchall()
    assert views == [(1,)]
    assert connection.exists(lake)
    with connect(lake, read_only=True) as con, pytest.raises(duckdb.Error, match="read-only"):
        con.execute("DELETE FROM meta.published_snapshots")


def test_an_s3_data_path_needs_the_httpfs_package(tmp_path):
    lake = DuckLake(str(tmp_path / "catalog.ducklake"), "s3://acme-socialkpi/warehouse/")
    with pytest.raises(ExtensionMismatchError, match="pip install 'duckdb-extension-httpfs=="), connect(lake):
        pass
