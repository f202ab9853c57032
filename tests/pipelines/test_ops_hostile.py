"""Hostile input: ids, names and file names are data, never SQL or paths out of the drop folder."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil

import dagster as dg
import duckdb
import pytest

from connectors.base import load_connectors
from ingest.drop_folder import ingest_drop_folder
from pipelines.build import REFRESH_JOB, build_definitions
from pipelines.config import ConfigError, load_config
from pipelines.demo import write_demo
from pipelines.schedules import RANGE_END_TAG, RANGE_START_TAG, local_day, range_tags
from pipelines.sensors import build_drop_folder_sensor
from warehouse.connection import connect
from warehouse.snapshot import publish_snapshot

D = dt.date
HOSTILE_ID = """o'brien"; DROP TABLE core.accounts; --"""
HOSTILE_BRAND = "b'); DELETE FROM kpi.daily; --"
HOSTILE_NAME = """Bob's "best" brand'); DROP TABLE kpi.daily; --"""
HOSTILE_FILE = """it's "new"; DROP TABLE raw.export_files; --.csv"""
BASE = """\
start_date: "2025-01-01"
brands: [{id: acme, name: Acme}]
accounts:
  - {platform: x, account_id: ACCOUNT, brand: acme}
"""


@pytest.mark.parametrize(("account_id", "problem"), [
    ("../../etc", "must not start with '.'"),
    ("..", "must not start with '.'"),
    (".hidden", "must not start with '.'"),
    ("acme/../../etc", "must not contain '/'"),
    ("/etc/passwd", "must not contain '/'"),
    ("acme\\evil", "must not contain '/' or '\\'"),
    ("tab\there", "must not contain control characters"),
    (" padded", "must not start or end with spaces"),
    ("all", "reserved for the rollup rows"),
])
def test_config_refuses_account_ids_that_are_not_one_folder_name(tmp_path, account_id, problem):
    path = tmp_path / "socialkpi.yaml"
    path.write_text(BASE.replace("ACCOUNT", json.dumps(account_id)), encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(path)
    message = str(error.value)
    assert message.startswith(f"{path}: accounts.0.account_id: ")
    assert problem in message


@pytest.mark.parametrize("account_id", [HOSTILE_ID, "acme.tt", "ünïcödé-account", "1234567890"])
def test_config_keeps_other_ids_verbatim(tmp_path, account_id):
    path = tmp_path / "socialkpi.yaml"
    path.write_text(BASE.replace("ACCOUNT", json.dumps(account_id)), encoding="utf-8")
    assert load_config(path).accounts[0].account_id == account_id


def files_under(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in folder.rglob("*") if p.is_file() and not p.is_symlink()}


def test_quotes_and_sql_in_ids_names_and_file_names_are_only_data(tmp_path):
    # the demo, plus a brand and an X account whose id, name and file name are SQL fragments
    demo = tmp_path / "demo"
    config_path = write_demo(demo, D(2025, 1, 1), D(2025, 1, 3))
    text = config_path.read_text(encoding="utf-8")
    brand = f"  - {{id: {json.dumps(HOSTILE_BRAND)}, name: {json.dumps(HOSTILE_NAME)}}}\n"
    text = text.replace("brands:\n", "brands:\n" + brand)
    text = text.replace("targets:\n", f"  - {{platform: x, account_id: {json.dumps(HOSTILE_ID)}, "
                                      f"brand: {json.dumps(HOSTILE_BRAND)}, name: {json.dumps(HOSTILE_NAME)}}}\n"
                                      "targets:\n")
    config_path.write_text(text, encoding="utf-8")
    config = load_config(config_path)
    hostile_folder = config.exports_path / "x" / HOSTILE_ID
    hostile_folder.mkdir()
    overview = (config.exports_path / "x" / "acme" / "account_overview_analytics.csv").read_bytes()
    (hostile_folder / HOSTILE_FILE).write_bytes(overview.replace(b"\n", b"\r\n"))  # other bytes: landed anew
    (hostile_folder / ("junk " + HOSTILE_FILE)).write_bytes(b"not an export\n")
    # files outside the drop folder, reachable only through symbolic links inside it
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret_2025-01-02.csv").write_bytes(overview.replace(b"\n", b"\n\n"))
    (config.exports_path / "x" / "acme" / "link.csv").symlink_to(outside / "secret_2025-01-02.csv")
    (config.exports_path / "x" / "linked").symlink_to(outside, target_is_directory=True)
    outside_before = files_under(outside)

    result = build_definitions(config).resolve_job_def(REFRESH_JOB).execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), tags=range_tags(D(2025, 1, 1), D(2025, 1, 3)))

    assert result.success
    with duckdb.connect(str(config.warehouse_path), read_only=True) as con:
        tables = {r[0] for r in con.execute("SELECT schema_name || '.' || table_name FROM duckdb_tables()").fetchall()}
        assert {"core.accounts", "kpi.daily", "raw.export_files"} <= tables
        assert con.execute("SELECT brand_id, name FROM core.accounts WHERE account_id = ?",
                           [HOSTILE_ID]).fetchall() == [(HOSTILE_BRAND, HOSTILE_NAME)]
        assert con.execute("SELECT count(DISTINCT date) FROM kpi.daily WHERE account_id = ? AND brand_id = ?",
                           [HOSTILE_ID, HOSTILE_BRAND]).fetchall() == [(3,)]
        files = dict(con.execute("SELECT path, status FROM raw.export_files WHERE platform = 'x'").fetchall())
        refused = con.execute("SELECT subject FROM meta.load_log WHERE message LIKE 'left in place%' "
                              "ORDER BY 1").fetchall()
    assert files[f"x/{HOSTILE_ID}/{HOSTILE_FILE}"] == "loaded"
    assert files[f"x/{HOSTILE_ID}/junk {HOSTILE_FILE}"] == "quarantined"
    # nothing read through the links
    assert set(files) == {"x/acme/account_overview_analytics.csv",
                          "x/acme/account_analytics_content_2025-01-01_2025-01-03.csv",
                          f"x/{HOSTILE_ID}/{HOSTILE_FILE}", f"x/{HOSTILE_ID}/junk {HOSTILE_FILE}"}
    assert refused == [("x/acme/link.csv",)]  # the file link is refused by name; the folder link never entered
    # the unparsable file and its reason sit in the quarantine, inside the drop folder
    quarantined = config.exports_path / "_quarantine" / "x" / HOSTILE_ID
    assert sorted(p.name for p in quarantined.iterdir()) == [f"junk {HOSTILE_FILE}", f"junk {HOSTILE_FILE}.reason.txt"]
    assert files_under(outside) == outside_before  # nothing outside was moved, changed or added
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo", "outside"]


def test_symlinked_account_folder_is_not_followed_by_the_drop_folder(tmp_path):
    config = load_config(write_demo(tmp_path / "demo", D(2025, 1, 1), D(2025, 1, 2)))
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(config.exports_path / "x" / "acme", elsewhere)
    (elsewhere / "account_overview_analytics.csv").write_bytes(b"Date,Impressions\nFri, Jan 3, 2025,5\n")
    (config.exports_path / "x" / "acme2").symlink_to(elsewhere, target_is_directory=True)
    with connect(config.warehouse_path) as con:
        outcomes = ingest_drop_folder(con, config.exports_path, load_connectors(), {}, "UTC")
    assert not [o for o in outcomes if "acme2" in o.relative]
    assert sorted(p.name for p in elsewhere.iterdir()) == ["account_analytics_content_2025-01-01_2025-01-02.csv",
                                                           "account_overview_analytics.csv"]


def test_sensor_reads_non_utf8_file_names(tmp_path):
    config = load_config(write_demo(tmp_path, D(2025, 1, 1), D(2025, 1, 2)))
    folder = os.fsencode(config.exports_path / "x" / "acme")
    with open(folder + b"/export \xff\xfe 2025-01-02.csv", "wb") as handle:
        handle.write(b"Date\n")
    past = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).timestamp()
    for path in config.exports_path.rglob("*"):
        os.utime(path, (past, past))
    job = build_definitions(config).resolve_job_def(REFRESH_JOB)
    sensor = build_drop_folder_sensor(config, job)
    first = sensor.evaluate_tick(dg.build_sensor_context())
    # the dated files cover 1-2 January 2025 (the odd name included); the undated ones the last
    # lookback days: two runs, each over exactly its days
    yesterday = local_day(None, config.timezone) - dt.timedelta(days=1)
    assert [(r.tags[RANGE_START_TAG], r.tags[RANGE_END_TAG]) for r in first.run_requests] == [
        ("2025-01-01", "2025-01-02"), (str(yesterday - dt.timedelta(days=3)), str(yesterday))]
    assert "x/acme/export \udcff\udcfe 2025-01-02.csv" in json.loads(first.cursor)
    again = sensor.evaluate_tick(dg.build_sensor_context(cursor=first.cursor))
    assert again.run_requests == []


def test_non_utf8_file_name_does_not_stop_the_other_files(tmp_path):
    config = load_config(write_demo(tmp_path, D(2025, 1, 1), D(2025, 1, 2)))
    overview = (config.exports_path / "x" / "acme" / "account_overview_analytics.csv").read_bytes()
    with open(os.fsencode(config.exports_path / "x" / "acme") + b"/copy \xff.csv", "wb") as handle:
        handle.write(overview.replace(b"\n", b"\r\n"))
    with connect(config.warehouse_path) as con:
        outcomes = ingest_drop_folder(con, config.exports_path, load_connectors(), {}, "UTC")
    assert sum(o.status == "loaded" for o in outcomes) == 16
    [refused] = [o for o in outcomes if "copy" in o.relative]
    assert refused.status == "refused" and "not valid UTF-8" in refused.reason
    assert (os.fsencode(config.exports_path / "x" / "acme") + b"/copy \xff.csv") in [
        os.fsencode(p) for p in (config.exports_path / "x" / "acme").iterdir()]  # left in place


def test_warehouse_file_name_with_a_double_quote_publishes(tmp_path):
    with connect(tmp_path / 'ware"house.duckdb') as con:
        con.execute("CREATE OR REPLACE TABLE kpi.probe AS SELECT 1 AS one")
        assert publish_snapshot(con, tmp_path / "analytics.duckdb") > 0
