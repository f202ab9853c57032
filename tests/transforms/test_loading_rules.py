"""DESIGN.md "Loading rules": per-value precedence, lifetime snapshot dates, ownership."""

from __future__ import annotations

import pytest

from tests.helpers import D, accounts, land_days, warehouse
from transforms.core import build_core


def _followers(con, account_id="t1"):
    return con.execute("SELECT date, followers FROM core.account_daily WHERE account_id = ? ORDER BY date",
                       [account_id]).fetchall()


# Contents chosen so that the placeholder file's hash sorts above the other one in one case and
# below it in the other: the outcome must not depend on it.
@pytest.mark.parametrize("contents", [("a", "b"), ("b", "a"), ("placeholder", "numbers"), ("numbers", "placeholder")])
def test_a_placeholder_never_beats_a_number_exported_the_same_day(tmp_path, contents):
    con = warehouse()
    accounts(con, [("tiktok", "t1", "acme")])
    days = [D(2025, 3, 1), D(2025, 3, 2)]
    # TikTok Business audience export: "Total followers" = "--" on every row
    land_days(con, tmp_path, "tiktok", "t1", {d: {"followers": None, "reach": 40.0} for d in days},
              name="audience_2025-03-05.csv", content=contents[0])
    # TikTok Studio FollowerHistory exported the same day
    land_days(con, tmp_path, "tiktok", "t1", {D(2025, 3, 1): {"followers": 1000.0},
                                               D(2025, 3, 2): {"followers": 1010.0}},
              name="FollowerHistory_2025-03-05.csv", content=contents[1])
    build_core(con, D(2025, 3, 1), D(2025, 3, 2))
    assert _followers(con) == [(D(2025, 3, 1), 1000.0), (D(2025, 3, 2), 1010.0)]


def test_a_placeholder_never_beats_a_number_from_an_older_file(tmp_path):
    con = warehouse()
    accounts(con, [("tiktok", "t1", "acme")])
    land_days(con, tmp_path, "tiktok", "t1", {D(2025, 3, 1): {"followers": 1000.0}}, name="old_2025-03-02.csv")
    land_days(con, tmp_path, "tiktok", "t1", {D(2025, 3, 1): {"followers": None}}, name="new_2025-03-09.csv")
    build_core(con, D(2025, 3, 1), D(2025, 3, 1))
    assert _followers(con) == [(D(2025, 3, 1), 1000.0)]


@pytest.mark.parametrize("contents", [("a", "b"), ("b", "a"), ("x1", "y2"), ("y2", "x1")])
def test_two_numbers_exported_the_same_day_tie_on_the_larger_not_the_hash(tmp_path, contents):
    con = warehouse()
    accounts(con, [("tiktok", "t1", "acme")])
    land_days(con, tmp_path, "tiktok", "t1", {D(2025, 3, 1): {"reach": 40.0, "likes": 7.0}},
              name="one_2025-03-05.csv", content=contents[0])
    land_days(con, tmp_path, "tiktok", "t1", {D(2025, 3, 1): {"reach": 38.0, "likes": 9.0}},
              name="two_2025-03-05.csv", content=contents[1])
    build_core(con, D(2025, 3, 1), D(2025, 3, 1))
    # per value: reach 40 from the first file, likes 9 from the second
    assert con.execute("SELECT reach, likes FROM core.account_daily").fetchall() == [(40.0, 9.0)]


def test_a_later_export_still_wins_between_numbers(tmp_path):
    con = warehouse()
    accounts(con, [("tiktok", "t1", "acme")])
    land_days(con, tmp_path, "tiktok", "t1", {D(2025, 3, 1): {"reach": 40.0}}, name="a_2025-03-05.csv")
    land_days(con, tmp_path, "tiktok", "t1", {D(2025, 3, 1): {"reach": 30.0}}, name="b_2025-03-07.csv")
    build_core(con, D(2025, 3, 1), D(2025, 3, 1))
    assert con.execute("SELECT reach FROM core.account_daily").fetchall() == [(30.0,)]
