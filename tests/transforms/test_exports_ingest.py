"""The drop folder: land once by hash, quarantine what cannot be parsed, lose nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from connectors.base import load_connectors
from ingest.drop_folder import dates_in_name, export_date_of, ingest_drop_folder
from tests.helpers import D, warehouse

OVERVIEW = "twitter/kaiadevintern_account_overview_analytics.csv"
# Our own small X overview (tests/transforms/fixtures/README.md): 5 days.
OWN_OVERVIEW = Path(__file__).parent / "fixtures" / "x_account_overview_analytics.csv"
# Days in each overview file (hand count of their data rows).
OVERVIEW_DAYS = {"own": 5, "corpus": 271}


@pytest.fixture(params=["own", "corpus"])
def overview(request) -> Path:
    """The X overview file: ours (always there) or the real one (needs the corpus)."""
    return OWN_OVERVIEW if request.param == "own" else request.getfixturevalue("real_exports") / OVERVIEW


@pytest.fixture
def drop(tmp_path, overview):
    folder = tmp_path / "exports" / "x" / "kaia"
    folder.mkdir(parents=True)
    shutil.copy(overview, folder / "account_overview_analytics.csv")
    (folder / "empty.csv").write_bytes(b"")
    (folder / "notes.csv").write_text("name,colour\nfoo,blue\n", encoding="utf-8")
    original = overview.read_bytes()
    (folder / "cut.xlsx").write_bytes(b"PK\x03\x04" + original[:300])  # a download cut off mid-way
    return tmp_path / "exports"


def ingest(con, exports):
    return ingest_drop_folder(con, exports, load_connectors(), {}, "UTC")


def test_bad_files_are_quarantined_with_reasons_and_the_good_one_loads(drop, overview):
    con = warehouse()
    outcomes = {o.relative.rsplit("/", 1)[1]: o for o in ingest(con, drop)}
    assert outcomes["account_overview_analytics.csv"].status == "loaded"
    assert outcomes["account_overview_analytics.csv"].format == "x_account_overview"
    assert outcomes["empty.csv"].status == "quarantined"
    assert "the file is empty" in outcomes["empty.csv"].reason
    assert outcomes["notes.csv"].status == "quarantined"
    assert "not a recognised x export (first row: name, colour)" in outcomes["notes.csv"].reason
    assert outcomes["cut.xlsx"].status == "quarantined"
    assert ("the .xlsx workbook is damaged or incomplete (the download was probably cut off)"
            in outcomes["cut.xlsx"].reason)
    # nothing deleted: each bad file sits in quarantine with its reason beside it
    quarantine = drop / "_quarantine" / "x" / "kaia"
    assert sorted(p.name for p in quarantine.iterdir()) == [
        "cut.xlsx", "cut.xlsx.reason.txt", "empty.csv", "empty.csv.reason.txt", "notes.csv", "notes.csv.reason.txt"]
    assert "not a recognised x export" in (quarantine / "notes.csv.reason.txt").read_text()
    assert (drop / "x" / "kaia" / "account_overview_analytics.csv").exists()
    # every day x 13 metric columns of the overview landed
    days = OVERVIEW_DAYS["own" if overview == OWN_OVERVIEW else "corpus"]
    assert con.execute("SELECT count(*) FROM raw.account_daily_values").fetchall()[0][0] == days * 13
    statuses = dict(con.execute("SELECT status, count(*) FROM raw.export_files GROUP BY 1").fetchall())
    assert statuses == {"loaded": 1, "quarantined": 3}


def test_rerun_lands_nothing_twice(drop):
    con = warehouse()
    ingest(con, drop)
    before = con.execute("SELECT count(*) FROM raw.account_daily_values").fetchall()[0][0]
    second = ingest(con, drop)
    assert [o.status for o in second] == ["already_loaded"]
    # the same content under another name is the same file
    shutil.copy(drop / "x" / "kaia" / "account_overview_analytics.csv", drop / "x" / "kaia" / "copy.csv")
    third = ingest(con, drop)
    assert {o.status for o in third} == {"already_loaded"}
    assert con.execute("SELECT count(*) FROM raw.account_daily_values").fetchall()[0][0] == before


def test_files_outside_the_layout_are_refused_and_left_in_place(tmp_path):
    exports = tmp_path / "exports"
    (exports / "myspace" / "a").mkdir(parents=True)
    (exports / "myspace" / "a" / "f.csv").write_text("x")
    (exports / "stray.csv").write_text("x")
    outcomes = ingest(warehouse(), exports)
    reasons = {o.relative: o.reason for o in outcomes}
    assert reasons["stray.csv"] == "not in <platform>/<account_id>/<file>"
    assert reasons["myspace/a/f.csv"].startswith("unknown platform folder 'myspace'")
    assert (exports / "stray.csv").exists() and (exports / "myspace" / "a" / "f.csv").exists()


def test_twitter_folder_is_an_alias_of_x(tmp_path, overview):
    folder = tmp_path / "exports" / "twitter" / "kaia"
    folder.mkdir(parents=True)
    shutil.copy(overview, folder / "o.csv")
    con = warehouse()
    [outcome] = ingest(con, tmp_path / "exports")
    assert (outcome.platform, outcome.status) == ("x", "loaded")
    assert con.execute("SELECT DISTINCT platform FROM raw.account_daily_values").fetchall() == [("x",)]
    if overview == OWN_OVERVIEW:  # values by hand from the fixture, including the all-zero day
        assert con.execute("SELECT date, value FROM raw.account_daily_values WHERE source_metric = 'Impressions' "
                           "ORDER BY date").fetchall() == [
            (D(2025, 3, 4), 0), (D(2025, 3, 5), 1530), (D(2025, 3, 6), 990), (D(2025, 3, 7), 1204),
            (D(2025, 3, 8), 812)]


@pytest.mark.parametrize(("name", "expected"), [
    ("Jan-14-2025_Apr-14-2025_1396269028466733.csv", [D(2025, 1, 14), D(2025, 4, 14)]),
    ("tweet_activity_metrics_rOpenSci_20211101_20211201_en.csv", [D(2021, 11, 1), D(2021, 12, 1)]),
    ("account_analytics_content_2024-12-22_2025-03-22.csv", [D(2024, 12, 22), D(2025, 3, 22)]),
    ("Reach.csv", []),
    ("page_20251399.csv", []),  # not a valid date
])
def test_dates_in_file_names(name, expected):
    assert dates_in_name(name) == expected


def test_export_date_falls_back_to_modification_time(tmp_path):
    path = tmp_path / "Reach.csv"
    path.write_text("x")
    import os
    os.utime(path, (1_700_000_000, 1_700_000_000))  # 2023-11-14 22:13 UTC
    assert export_date_of(path) == D(2023, 11, 14)
    assert export_date_of(tmp_path / "Jan-14-2025_Apr-14-2025_1.csv") == D(2025, 4, 14)
