"""kpi.target_progress on hand-computed kpi.daily series (brand acme), window 2025-01-01..01-10.

instagram/all followers: 1000 + 10 per day from 01-01 (01-01: 1000 ... 01-10: 1090), no row on 01-08.
x/a1 followers: the same line, 1000 + 10 per day, 01-01..01-10.
all/all follower_churn_rate: 2.0 every day 12-30..01-07, 0.9 on 01-08.
tiktok/all followers: first row on 01-04 (500), then 505, 510 ... (+5 per day).

Targets:
  grow     instagram followers 1000 -> 1290, 01-01..01-31 (30 days)
  behind   x/a1 followers -> 1350, 01-01..01-31;  off   x/a1 followers -> 1400, same dates
  churn    follower_churn_rate -> 1.0, 01-05..02-04 (30 days); direction from the catalogue: decrease
  late     tiktok followers -> 600, 01-01..01-31 (data only from 01-04)
"""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest

from pipelines.config import ConfigError, load_config
from tests.helpers import D, warehouse
from transforms.kpis import TargetError, TargetSpec, build_kpi_target_progress

N = None
TARGETS = [
    TargetSpec("grow", "followers", "acme", "instagram", "all", 1290, D(2025, 1, 1), D(2025, 1, 31)),
    TargetSpec("behind", "followers", "acme", "x", "a1", 1350, D(2025, 1, 1), D(2025, 1, 31)),
    TargetSpec("off", "followers", "acme", "x", "a1", 1400, D(2025, 1, 1), D(2025, 1, 31), "increase"),
    TargetSpec("churn", "follower_churn_rate", "acme", "all", "all", 1.0, D(2025, 1, 5), D(2025, 2, 4)),
    TargetSpec("late", "followers", "acme", "tiktok", "all", 600, D(2025, 1, 1), D(2025, 1, 31)),
]


def jan(n: int) -> dt.date:
    return D(2025, 1, n)


def series() -> list[tuple]:
    rows = []
    for n in range(1, 11):
        if n != 8:
            rows.append((jan(n), "instagram", "all", "followers", 1000 + 10 * (n - 1)))
        rows.append((jan(n), "x", "a1", "followers", 1000 + 10 * (n - 1)))
        if n >= 4:
            rows.append((jan(n), "tiktok", "all", "followers", 500 + 5 * (n - 4)))
    for d in [D(2024, 12, 30), D(2024, 12, 31), *(jan(n) for n in range(1, 8))]:
        rows.append((d, "all", "all", "follower_churn_rate", 2.0))
    rows.append((jan(8), "all", "all", "follower_churn_rate", 0.9))
    return rows


@pytest.fixture(scope="module")
def progress():
    con = warehouse()
    con.executemany("INSERT INTO kpi.daily (date, brand_id, platform, account_id, kpi, value, numerator, denominator) "
        "VALUES (?, 'acme', ?, ?, ?, ?, ?, NULL)",
                    [(*r, r[-1]) for r in series()])
    written = build_kpi_target_progress(con, jan(1), jan(10), TARGETS)
    columns = [r[0] for r in con.execute("SELECT column_name FROM duckdb_columns() WHERE schema_name = 'kpi' "
                                         "AND table_name = 'target_progress' ORDER BY column_index").fetchall()]
    rows = con.execute("SELECT * FROM kpi.target_progress").fetchall()
    return written, {(r[0], r[1]): dict(zip(columns, r, strict=True)) for r in rows}, con


def test_one_row_per_target_and_day_inside_its_dates(progress):
    written, table, _ = progress
    per_target = {t: sorted(d for d, i in table if i == t) for t in ("grow", "behind", "off", "churn", "late")}
    assert per_target["grow"] == [jan(n) for n in range(1, 11)]
    assert per_target["churn"] == [jan(n) for n in range(5, 11)]  # starts 01-05
    assert written == 4 * 10 + 6


def test_on_track_on_the_linear_path(progress):
    _, table, _ = progress
    row = table[(jan(10), "grow")]
    assert row["scope"] == "acme/instagram/all"
    assert row["direction"] == "increase"  # followers: higher is better
    assert (row["start_value"], row["current_value"], row["target_value"]) == (1000, 1090, 1290)
    assert row["expected_value_today"] == pytest.approx(1000 + 290 * 9 / 30)  # 1087
    assert row["pct_achieved"] == pytest.approx(90 / 290 * 100)  # 31.0
    # 9 points on 1000 + 10 x day (01-08 missing): the line reaches 1000 + 10 x 30 = 1300 at due
    assert row["trend_observations"] == 9
    assert row["projected_value_at_due"] == pytest.approx(1300)
    assert row["status"] == "on_track"


@pytest.mark.parametrize(("n", "observations", "projected", "current", "status"), [
    (6, 6, None, 1050, None),  # 6 values: too few for a projection
    (7, 7, 1300, 1060, "on_track"),
    (8, 7, 1300, None, "on_track"),  # no value that day: current unknown, the projection still holds
])
def test_projection_needs_seven_values(progress, n, observations, projected, current, status):
    _, table, _ = progress
    row = table[(jan(n), "grow")]
    assert row["trend_observations"] == observations
    assert row["projected_value_at_due"] == (None if projected is None else pytest.approx(projected))
    assert row["current_value"] == current
    assert row["status"] == status


@pytest.mark.parametrize(("target", "share", "status"), [
    ("behind", 300 / 350, "behind"),  # the projection (1300) covers 300 of the planned 350: >= 80%
    ("off", 300 / 400, "off_track"),  # 300 of 400: 75%
])
def test_behind_and_off_track(progress, target, share, status):
    _, table, _ = progress
    row = table[(jan(10), target)]
    assert row["projected_value_at_due"] == pytest.approx(1300)
    assert (row["projected_value_at_due"] - row["start_value"]) / (row["target_value"] - row["start_value"]) == \
        pytest.approx(share)
    assert row["status"] == status


def test_a_decrease_target_uses_history_before_its_start(progress):
    _, table, _ = progress
    first = table[(jan(5), "churn")]
    assert first["direction"] == "decrease"  # churn: lower is better
    assert first["start_value"] == 2.0
    # 12-30..01-05: seven values of 2.0 -> flat projection 2.0, none of the planned -1.0 covered
    assert (first["trend_observations"], first["projected_value_at_due"]) == (7, pytest.approx(2.0))
    assert first["status"] == "off_track"
    reached = table[(jan(8), "churn")]
    assert reached["current_value"] == 0.9
    assert reached["expected_value_today"] == pytest.approx(2.0 - 1.0 * 3 / 30)  # 1.9
    assert reached["pct_achieved"] == pytest.approx((0.9 - 2.0) / (1.0 - 2.0) * 100)  # 110
    assert reached["status"] == "achieved"
    after = table[(jan(9), "churn")]  # no value on 01-09: current unknown; 10 values 12-30..01-08
    assert (after["current_value"], after["trend_observations"]) == (None, 10)


def test_start_value_is_the_first_known_value_on_or_after_the_start(progress):
    _, table, _ = progress
    before = table[(jan(2), "late")]
    assert (before["start_value"], before["current_value"], before["expected_value_today"], before["status"]) == \
        (None, None, None, None)
    row = table[(jan(10), "late")]
    assert (row["start_value"], row["current_value"]) == (500, 530)  # 01-04, 01-10
    assert row["expected_value_today"] == pytest.approx(500 + 100 * 9 / 30)  # 530
    # 7 values 500..530 on days 3..9: the line reaches 500 + 5 x (30 - 3) = 635 at due
    assert row["projected_value_at_due"] == pytest.approx(635)
    assert row["status"] == "on_track"


def test_removed_targets_lose_their_rows_and_unknown_kpis_are_refused(progress):
    _, _, con = progress
    build_kpi_target_progress(con, jan(10), jan(10), TARGETS[:1])
    assert con.execute("SELECT DISTINCT target_id FROM kpi.target_progress").fetchall() == [("grow",)]
    assert con.execute("SELECT count(*) FROM kpi.target_progress").fetchall() == [(10,)]
    with pytest.raises(TargetError, match=r"targets\[typo\]\.kpi: unknown KPI 'folowers'"):
        build_kpi_target_progress(con, jan(10), jan(10), [TargetSpec(
            "typo", "folowers", "acme", "all", "all", 1, jan(1), jan(31))])


def test_the_config_refuses_a_target_on_an_unknown_kpi(tmp_path):
    path = tmp_path / "socialkpi.yaml"
    path.write_text(textwrap.dedent("""\
        start_date: "2025-01-01"
        brands: [{id: acme, name: Acme}]
        targets:
          - {id: t, kpi: folowers, scope: {brand: acme}, target: 1, start: "2025-01-01", due: "2025-02-01"}
    """), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"socialkpi\.yaml: targets\[0\]\.kpi: unknown KPI 'folowers'"):
        load_config(path)
