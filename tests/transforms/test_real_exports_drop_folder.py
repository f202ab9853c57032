"""Every real export file through the drop folder: loaded, skipped (no daily facts) or quarantined
with its reason. Values per file are asserted in tests/connectors/<platform>/."""

from __future__ import annotations

import shutil

import pytest

from connectors.base import load_connectors
from ingest.drop_folder import ingest_drop_folder
from tests.helpers import warehouse

EXPECTED = {
    "facebook/NPLF_Facebook Posts Q2.xls": ("loaded", "facebook_insights_post_data"),
    "facebook/oigetit_mbs_2025/Audience.csv": ("skipped", "meta_audience"),
    "facebook/oigetit_mbs_2025/Follows.csv": ("loaded", "meta_daily_metric"),
    "facebook/oigetit_mbs_2025/Interactions.csv": ("loaded", "meta_daily_metric"),
    "facebook/oigetit_mbs_2025/Jan-14-2025_Apr-14-2025_1396269028466733.csv": ("loaded", "meta_post_export"),
    "facebook/oigetit_mbs_2025/Reach.csv": ("loaded", "meta_daily_metric"),
    "facebook/oigetit_mbs_2025/Views.csv": ("loaded", "meta_daily_metric"),
    "facebook/oigetit_mbs_2025/Visits.csv": ("loaded", "meta_daily_metric"),
    "facebook/vintage_mbs_2025_resaved/Follows.csv": ("loaded", "meta_daily_metric"),
    "facebook/vintage_mbs_2025_resaved/Oct-31-2025_Dec-30-2025_1664278361210560.csv":
        ("quarantined", "every row collapsed into one quoted field"),
    "instagram/elitravelguy_mbs_2026/Audience.csv": ("skipped", "meta_audience"),
    "instagram/elitravelguy_mbs_2026/Follows.csv": ("loaded", "meta_daily_metric"),
    "instagram/elitravelguy_mbs_2026/Interactions.csv": ("loaded", "meta_daily_metric"),
    "instagram/elitravelguy_mbs_2026/Link clicks.csv": ("loaded", "meta_daily_metric"),
    "instagram/elitravelguy_mbs_2026/May-25-2026_Jun-21-2026_1493633672508178.csv": ("loaded", "meta_post_export"),
    "instagram/elitravelguy_mbs_2026/Reach.csv": ("loaded", "meta_daily_metric"),
    "instagram/elitravelguy_mbs_2026/Views.csv": ("loaded", "meta_daily_metric"),
    "instagram/elitravelguy_mbs_2026/Visits.csv": ("loaded", "meta_daily_metric"),
    "instagram/vintage_mbs_2025_resaved/IG_REACH.csv": ("loaded", "meta_daily_metric"),
    "instagram/vintage_mbs_2025_resaved/INSTAGRAM_RAW.csv":
        ("quarantined", "every row collapsed into one quoted field"),
    "linkedin/NPLF LinkedIn Q1.xls": ("loaded", "linkedin_page"),
    "tiktok/htupycollabs_haileytupy2.0/Content.csv": ("loaded", "tiktok_studio_content"),
    "tiktok/htupycollabs_haileytupy2.0/FollowerActivity.csv": ("skipped", "tiktok_studio_follower_activity"),
    "tiktok/htupycollabs_haileytupy2.0/FollowerGender.csv": ("skipped", "tiktok_studio_follower_gender"),
    "tiktok/htupycollabs_haileytupy2.0/FollowerHistory.csv": ("loaded", "tiktok_studio_follower_history"),
    "tiktok/htupycollabs_haileytupy2.0/FollowerTopTerritories.csv": ("skipped", "tiktok_studio_follower_territories"),
    "tiktok/htupycollabs_haileytupy2.0/Overview.csv": ("loaded", "tiktok_studio_overview"),
    "tiktok/htupycollabs_haileytupy2.0/Viewers.csv": ("loaded", "tiktok_studio_viewers"),
    "tiktok/vintage_business_2025/TIKTOK_AUDIENCE_RAW.csv": ("loaded", "tiktok_business_audience"),
    "tiktok/vintage_business_2025/TIKTOK_RAW.csv": ("loaded", "tiktok_business_overview"),
    "tiktok/vintage_business_2025/TIKTOK_VIDEO_RAW.csv": ("loaded", "tiktok_business_videos"),
    "twitter/NPLF Twitter Q1.xls": ("loaded", "x_daily_tweet_activity"),
    "twitter/kaiadevintern_account_analytics_content_2024-12-22_2025-03-22.csv": ("loaded", "x_account_content"),
    "twitter/kaiadevintern_account_overview_analytics.csv": ("loaded", "x_account_overview"),
    "twitter/tweet_activity_metrics_rOpenSci_20211101_20211201_en.csv": ("loaded", "x_tweet_activity"),
    "twitter/twitter_metrics_monthly_rOpenSci.csv": ("quarantined", "not a recognised x export"),
    "youtube/dhanrajmkanade_subscription_status/Table data-Geography.csv": ("skipped", "youtube_dimension_table"),
    "youtube/dhanrajmkanade_subscription_status/Table data.csv": ("skipped", "youtube_dimension_table"),
    "youtube/priyankapatel05_content/Table data.csv": ("loaded", "youtube_content_table"),
    "youtube/priyankapatel05_content/Totals.csv": ("loaded", "youtube_totals"),
    "youtube/rehantharusha_traffic_source/Chart data.csv": ("loaded", "youtube_chart_data"),
    "youtube/rehantharusha_traffic_source/Table data.csv": ("skipped", "youtube_dimension_table"),
    "youtube/rehantharusha_traffic_source/Totals.csv": ("loaded", "youtube_totals"),
}


@pytest.fixture(scope="module")
def outcomes(real_exports, tmp_path_factory):
    exports = tmp_path_factory.mktemp("real") / "exports"
    origin = {}
    for path in sorted(real_exports.rglob("*")):
        if not path.is_file() or path.name == "SOURCES.md":
            continue
        relative = path.relative_to(real_exports)
        account = relative.parts[1] if len(relative.parts) == 3 else "default"
        target = exports / relative.parts[0] / account / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target)
        origin[target.relative_to(exports).as_posix()] = relative.as_posix()
    result = ingest_drop_folder(warehouse(), exports, load_connectors(), {}, "UTC")
    return {origin[o.relative]: o for o in result}, exports


def test_every_real_file_has_its_expected_outcome(outcomes):
    by_file, _ = outcomes
    assert set(by_file) == set(EXPECTED)
    for name, (status, detail) in EXPECTED.items():
        outcome = by_file[name]
        assert outcome.status == status, (name, outcome.reason)
        if status == "quarantined":
            assert detail in outcome.reason, name
        else:
            assert outcome.format == detail, name
            assert (outcome.records > 0) == (status == "loaded"), name


def test_quarantined_files_keep_their_bytes_and_a_reason(outcomes, real_exports):
    by_file, exports = outcomes
    for name, outcome in by_file.items():
        if outcome.status == "quarantined":
            file_name = outcome.relative.rsplit("/", 1)[1]
            moved = exports / "_quarantine" / outcome.platform / outcome.account_id / file_name
            assert moved.read_bytes() == (real_exports / name).read_bytes()
            assert outcome.reason in moved.with_name(file_name + ".reason.txt").read_text(encoding="utf-8")
