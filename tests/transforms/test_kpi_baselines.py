"""kpi.baselines on hand-computed kpi.daily series of x/a1 (brand acme). T = 2025-01-29, a Wednesday.

likes:    Wednesdays 11-27: 1000 (9 weeks before T); 12-04, 12-11, 12-18, 12-25: 30; 12-31 (T-29): 1000;
          Wednesdays 01-01, 01-08, 01-15, 01-22: 20; 01-02..01-07 and 01-09..01-14: 10;
          01-16..01-21 and 01-23..01-28: 14; T: 40.
comments: 01-20..01-28: 5, 5, 5, 5, NULL, 5, 5, 5, 5; T: 50 (MAD 0).
shares:   01-16..01-28 (13 days): 4, 5, 6 repeating from 4; T: 50 (13 observations).
saves:    01-15..01-28 (14 days): 4, 5, 6 repeating from 4; T: 50 (14 observations).
"""

from __future__ import annotations

import datetime as dt
import math

import dagster as dg
import pytest

from pipelines.assets import build_assets
from tests.helpers import D, warehouse
from transforms.kpis import build_kpi_baselines

T = D(2025, 1, 29)


def days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def likes() -> dict[dt.date, float]:
    series = {D(2024, 11, 27): 1000.0, D(2024, 12, 31): 1000.0}
    series.update({d: 30.0 for d in (D(2024, 12, 4), D(2024, 12, 11), D(2024, 12, 18), D(2024, 12, 25))})
    for d in days(D(2025, 1, 1), D(2025, 1, 28)):
        series[d] = 20.0 if d.weekday() == 2 else 10.0 if d <= D(2025, 1, 14) else 14.0
    series[T] = 40.0
    return series


def repeating(first: dt.date, count: int) -> dict[dt.date, float]:
    series = {first + dt.timedelta(days=i): float(4 + i % 3) for i in range(count)}
    series[T] = 50.0
    return series


COMMENTS = {**{d: 5.0 for d in days(D(2025, 1, 20), D(2025, 1, 28))}, D(2025, 1, 24): None, T: 50.0}


@pytest.fixture(scope="module")
def baselines():
    con = warehouse()
    series = {"likes": likes(), "comments": COMMENTS, "shares": repeating(D(2025, 1, 16), 13),
              "saves": repeating(D(2025, 1, 15), 14)}
    con.executemany("INSERT INTO kpi.daily (date, brand_id, platform, account_id, kpi, value, numerator, denominator) "
        "VALUES (?, 'acme', 'x', 'a1', ?, ?, ?, NULL)",
                    [(d, kpi, v, v) for kpi, values in series.items() for d, v in values.items()])
    written = build_kpi_baselines(con, D(2025, 1, 28), T)
    rows = con.execute("SELECT * FROM kpi.baselines").fetchall()
    columns = [r[0] for r in con.execute("SELECT column_name FROM duckdb_columns() WHERE schema_name = 'kpi' "
                                         "AND table_name = 'baselines' ORDER BY column_index").fetchall()]
    return written, {(r[0], r[4]): dict(zip(columns, r, strict=True)) for r in rows}


def test_only_the_window_is_written(baselines):
    written, table = baselines
    # 01-28 has likes, comments, shares, saves; T too
    assert written == 8
    assert {d for d, _ in table} == {D(2025, 1, 28), T}


def test_trailing_window_statistics(baselines):
    _, table = baselines
    row = table[(T, "likes")]
    # window 01-01..01-28 (T itself and 12-31 = T-29 excluded): 12 x 10, 12 x 14, 4 x 20 (Wednesdays)
    assert row["n_obs"] == 28
    assert row["median_28d"] == 14.0  # sorted positions 14 and 15 are both 14
    assert row["mean_28d"] == pytest.approx((12 * 10 + 12 * 14 + 4 * 20) / 28)  # 368 / 28
    assert row["p10_28d"] == 10.0  # position 27 x 0.1 = 2.7, between two 10s
    assert row["p90_28d"] == 20.0  # position 27 x 0.9 = 24.3, between two 20s
    # deviations from the mean 92/7: 12 x -22/7, 12 x 6/7, 4 x 48/7; squares sum 15456/49, / 27
    assert row["stddev_28d"] == pytest.approx(math.sqrt(15456 / 49 / 27))
    assert row["mad_28d"] == 4.0  # |x - 14|: 12 x 0, 12 x 4, 4 x 6 -> median 4
    # same weekday, 7..56 days back: 4 x 20 (January) and 4 x 30 (December); 11-27 is 63 days back
    assert row["weekday_median_8w"] == 25.0
    assert row["robust_z"] == pytest.approx(26 / (1.4826 * 4))  # (40 - 14) / (1.4826 x 4) = 4.38
    assert row["pct_vs_baseline"] == pytest.approx(26 / 14 * 100)
    assert row["is_anomaly"] is True


def test_the_window_reaches_exactly_28_days_back(baselines):
    _, table = baselines
    row = table[(D(2025, 1, 28), "likes")]
    # window 12-31..01-27: 1000, 4 x 20, 12 x 10, 11 x 14
    assert row["n_obs"] == 28
    assert row["mean_28d"] == pytest.approx((1000 + 4 * 20 + 12 * 10 + 11 * 14) / 28)  # 1354 / 28
    assert row["median_28d"] == 14.0
    assert row["value"] == 14.0
    assert row["robust_z"] == 0.0
    assert row["is_anomaly"] is False


def test_nulls_are_not_observations_and_zero_mad_gives_no_score(baselines):
    _, table = baselines
    row = table[(T, "comments")]
    assert row["n_obs"] == 8  # nine days, one NULL
    assert (row["median_28d"], row["mad_28d"], row["stddev_28d"]) == (5.0, 0.0, 0.0)
    assert row["robust_z"] is None
    assert row["pct_vs_baseline"] == pytest.approx(900.0)  # (50 - 5) / 5
    assert row["is_anomaly"] is False


@pytest.mark.parametrize(("kpi", "n_obs", "anomaly"), [
    ("shares", 13, False),  # 5 x 4, 4 x 5, 4 x 6: median 5, MAD 1 (4 zeros, 9 ones)
    ("saves", 14, True),  # 5 x 4, 5 x 5, 4 x 6: median (5 + 5) / 2, MAD (1 + 1) / 2
])
def test_an_anomaly_needs_14_observations(baselines, kpi, n_obs, anomaly):
    _, table = baselines
    row = table[(T, kpi)]
    assert (row["n_obs"], row["median_28d"], row["mad_28d"]) == (n_obs, 5.0, 1.0)
    assert row["robust_z"] == pytest.approx(45 / 1.4826)  # 30.4
    assert row["is_anomaly"] is anomaly


def test_the_asset_depends_on_the_same_days_of_kpi_daily():
    """Same-day dependency (the look-back is read from kpi.daily): an offset mapping put kpi_baselines
    in a backfill run of its own."""
    assets = {a.key.to_user_string(): a for a in build_assets(dg.DailyPartitionsDefinition(start_date="2025-01-01"))}
    for key in ("kpi_baselines", "kpi_target_progress"):
        assert dg.AssetKey("kpi_daily") in assets[key].dependency_keys
        mapping = assets[key].get_partition_mapping(dg.AssetKey("kpi_daily"))  # None: Dagster's same-window default
        assert mapping is None or (mapping.start_offset, mapping.end_offset) == (0, 0)
