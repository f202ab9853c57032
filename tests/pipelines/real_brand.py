"""A brand built from the real export files: X, TikTok, YouTube and Facebook accounts over Q1 2025.

The same steps as the assets (see report_fixtures.build_warehouse). Used by the acceptance tests of
the period rule and the report on real data; reads the corpus through the `real_exports` fixture.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

from pipelines.config import Config, load_config
from tests.pipelines.report_fixtures import build_warehouse

# to the last day of the TikTok files, which run on a year after the other exports
START, END = dt.date(2024, 12, 1), dt.date(2026, 2, 27)
# (platform, account id, folder of the corpus, files) of the brand's accounts.
ACCOUNTS = (
    ("x", "kaiadevintern", "twitter", ("kaiadevintern_account_overview_analytics.csv",
                                       "kaiadevintern_account_analytics_content_2024-12-22_2025-03-22.csv")),
    ("tiktok", "haileytupy", "tiktok/htupycollabs_haileytupy2.0", ("Overview.csv", "FollowerHistory.csv",
                                                                   "Content.csv")),
    ("youtube", "rehantharusha", "youtube/rehantharusha_traffic_source", ("Totals.csv", "Chart data.csv")),
    ("facebook", "oigetit", "facebook/oigetit_mbs_2025", ("Interactions.csv", "Visits.csv", "Follows.csv",
                                                          "Views.csv", "Reach.csv",
                                                          "Jan-14-2025_Apr-14-2025_1396269028466733.csv")),
)
# TikTok Studio's year-less days are dated back from the export date (the file's modification
# time): exported on 2026-03-01, its "February 28" .. "February 27" are 2025-02-28 .. 2026-02-27.
TIKTOK_EXPORTED = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)

# X exports give follows and unfollows only: a known count (as a user would put in the config)
# rebuilds the series, so the brand has followers on X and TikTok.
X_FOLLOWERS_ON = '{"2024-12-31": 700}'

CONFIG = """\
timezone: "UTC"
start_date: "{start}"
warehouse: "warehouse.duckdb"
analytics_snapshot: "analytics.duckdb"
exports_dir: "exports"
brands:
  - id: "real"
    name: "Real exports"
accounts:
{accounts}
"""


def write_real_brand(real_exports: Path, directory: Path) -> Path:
    """Copy the brand's files into a drop folder under `directory`; returns the config path."""
    lines = []
    for platform, account_id, folder, files in ACCOUNTS:
        target = directory / "exports" / platform / account_id
        target.mkdir(parents=True, exist_ok=True)
        for name in files:
            shutil.copyfile(real_exports / folder / name, target / name)
            if platform == "tiktok":
                os.utime(target / name, (TIKTOK_EXPORTED.timestamp(), TIKTOK_EXPORTED.timestamp()))
        anchor = f"\n    followers_on: {X_FOLLOWERS_ON}" if platform == "x" else ""
        lines.append(f'  - platform: "{platform}"\n    account_id: "{account_id}"\n    brand: "real"{anchor}')
    path = directory / "socialkpi.yaml"
    path.write_text(CONFIG.format(start=START, accounts="\n".join(lines)), encoding="utf-8")
    return path


def build_real_brand(real_exports: Path, directory: Path) -> Config:
    config = load_config(write_real_brand(real_exports, directory))
    build_warehouse(config, START, END)
    return config
