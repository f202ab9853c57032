"""A warehouse file another DuckDB storage format wrote: one clear error, file untouched, no retries.

fixtures/storage_version_999.duckdb is an empty database written by a DuckDB 2.0 development build
(storage version 999, bytes 12-19 of the header); the pinned DuckDB reads storage versions up to 68.
"""

import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.resources import SocialKpi
from warehouse.connection import WarehouseVersionError, connect

NEWER = Path(__file__).parent / "fixtures" / "storage_version_999.duckdb"


@pytest.mark.parametrize("read_only", [False, True])
def test_a_file_of_another_storage_version_is_named_and_left_as_it_was(tmp_path, read_only):
    path = tmp_path / "warehouse.duckdb"
    shutil.copy(NEWER, path)
    with pytest.raises(WarehouseVersionError) as raised, connect(path, read_only=read_only):
        pass
    message = str(raised.value)
    assert f"warehouse {path} cannot be opened by DuckDB {duckdb.__version__}" in message
    assert "version number 999" in message
    assert "Nothing was changed" in message
    assert path.read_bytes() == NEWER.read_bytes()


def test_the_pipeline_fails_at_once_instead_of_retrying(tmp_path):
    """Dagster's retry policy would try the step three times; no retry reads another storage format."""
    shutil.copy(NEWER, tmp_path / "warehouse.duckdb")
    config = tmp_path / "socialkpi.yaml"
    config.write_text('timezone: "UTC"\nstart_date: "2025-01-01"\nwarehouse: "warehouse.duckdb"\n'
                      'exports_dir: "exports"\nbrands:\n  - id: "acme"\n    name: "Acme"\n', encoding="utf-8")
    with pytest.raises(dg.Failure) as raised, SocialKpi(config_path=str(config)).warehouse():
        pass
    assert raised.value.allow_retries is False
    assert "version number 999" in raised.value.description
