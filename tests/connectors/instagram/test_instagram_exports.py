"""Instagram exports: every real Meta file under real-exports/instagram, parsed or refused.

Expected numbers were computed independently of the code under test with a throwaway script
(UTF-16 / UTF-8-BOM decode, csv.reader, sums by column) and checked against the files by eye.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from connectors.base import ExportContext, ExportFileError, ParsedExport
from connectors.instagram import connector
from connectors.meta.business_suite import AUDIENCE_SKIPPED_REASON, COLLAPSED_RESAVE_REASON
from connectors.tables import read_sheets

ELI = "instagram/elitravelguy_mbs_2026"
ELI_POSTS = f"{ELI}/May-25-2026_Jun-21-2026_1493633672508178.csv"
RESAVED = "instagram/vintage_mbs_2025_resaved"
EXPORT_DATE = dt.date(2026, 6, 22)


def _ctx(path: Path) -> ExportContext:
    return ExportContext(path=path, platform="instagram", account_id="17841400882674637",
                         timezone="America/New_York", export_date=EXPORT_DATE)


def _parse(path: Path) -> tuple[str, ParsedExport]:
    sheets = read_sheets(path)
    fmt = connector.recognise(sheets)
    assert fmt is not None, f"{path.name} not recognised"
    return fmt.name, fmt.parse(sheets, _ctx(path))


def _total(values: list[float | None]) -> float:
    return sum(v for v in values if v is not None)


# --------------------------------------------------------------------------------------------
# Daily metric files (elitravelguy, 2026-05-25 .. 2026-06-21, stamped T00:00:00)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file", "title", "metric", "days", "last_date", "total", "first_value", "last_value", "peak"),
    [
        ("Reach.csv", "Reach", "reach", 28, dt.date(2026, 6, 21), 808076, 14551, 48955, 158934),
        ("Views.csv", "Views", "impressions", 28, dt.date(2026, 6, 21), 1117725, 20701, 63501, 198697),
        ("Visits.csv", "Instagram profile visits", "profile_visits", 28, dt.date(2026, 6, 21), 7724,
         165, 388, 874),
        ("Interactions.csv", "Content interactions", "engagements", 28, dt.date(2026, 6, 21), 53288,
         228, 3941, 14543),
        # The Follows file stops on June 13 although the others run to June 21.
        ("Follows.csv", "Instagram follows", "followers_gained", 20, dt.date(2026, 6, 13), 2736,
         65, 52, 1147),
    ],
)
def test_elitravelguy_daily_files(real_exports, file, title, metric, days, last_date, total, first_value,
                                  last_value, peak):
    name, parsed = _parse(real_exports / ELI / file)
    assert name == "meta_daily_metric"
    rows = parsed.account_daily
    assert len(rows) == days
    assert {(r.metric, r.source_metric) for r in rows} == {(metric, title)}
    assert parsed.covers == (dt.date(2026, 5, 25), last_date)
    assert (rows[0].date, rows[-1].date) == (dt.date(2026, 5, 25), last_date)
    assert _total([r.value for r in rows]) == total
    assert (rows[0].value, rows[-1].value) == (first_value, last_value)
    assert max(r.value for r in rows) == peak


def test_link_clicks_fill_link_clicks_and_clicks(real_exports):
    # Link clicks are the only click count Meta's daily files give, so they are also `clicks`.
    _, parsed = _parse(real_exports / ELI / "Link clicks.csv")
    assert len(parsed.account_daily) == 56  # 28 days x 2 canonical columns
    for metric in ("link_clicks", "clicks"):
        rows = [r for r in parsed.account_daily if r.metric == metric]
        assert len(rows) == 28
        assert {r.source_metric for r in rows} == {"Instagram link clicks"}
        assert _total([r.value for r in rows]) == 9838
        assert {r.date: r.value for r in rows}[dt.date(2026, 5, 25)] == 407
        assert {r.date: r.value for r in rows}[dt.date(2026, 6, 21)] == 405


def test_elitravelguy_audience_is_skipped(real_exports):
    name, parsed = _parse(real_exports / ELI / "Audience.csv")
    assert name == "meta_audience"
    assert parsed.skipped_reason == AUDIENCE_SKIPPED_REASON
    assert parsed.account_daily == [] and parsed.posts == []
    # Instagram starts with the horizontal "Top cities" block (Facebook with "Age & gender").
    assert parsed.notes == ["audience blocks: Top cities, Age & gender, Top countries"]


# --------------------------------------------------------------------------------------------
# Per-post content export (elitravelguy, 21 posts, multi-line captions, one post lacking Reach)
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def eli_posts(real_exports: Path) -> ParsedExport:
    name, parsed = _parse(real_exports / ELI_POSTS)
    assert name == "meta_post_export"
    return parsed


def _post_metrics(parsed: ParsedExport, post_id: str) -> dict[str, tuple[str | None, float | None]]:
    return {m.source_metric: (m.metric, m.value) for m in parsed.post_metrics if m.post_id == post_id}


def test_eli_posts_counts_and_types(eli_posts):
    assert len(eli_posts.posts) == 21
    assert len(eli_posts.post_metrics) == 21 * 7
    assert eli_posts.covers is None
    types = [(p.post_type, p.post_type_raw) for p in eli_posts.posts]
    assert types.count(("reel", "IG reel")) == 11
    assert types.count(("photo", "IG image")) == 5
    assert types.count(("carousel", "IG carousel")) == 5
    published = sorted(p.published_at for p in eli_posts.posts)
    # "05/26/2026 10:23" and "06/21/2026 09:49" New York (EDT, UTC-4)
    assert (published[0], published[-1]) == (dt.datetime(2026, 5, 26, 14, 23, tzinfo=dt.UTC),
                                              dt.datetime(2026, 6, 21, 13, 49, tzinfo=dt.UTC))


@pytest.mark.parametrize(
    ("source", "metric", "total", "reported"),
    [
        ("Views", "impressions", 541645, 21),
        ("Reach", "reach", 408151, 20),
        ("Likes", "likes", 31172, 21),
        ("Shares", "shares", 4776, 21),
        ("Comments", "comments", 1082, 21),
        ("Saves", "saves", 3255, 21),
        ("Follows", None, 525, 20),
    ],
)
def test_eli_post_metric_totals(eli_posts, source, metric, total, reported):
    rows = [m for m in eli_posts.post_metrics if m.source_metric == source]
    assert len(rows) == 21
    assert {m.metric for m in rows} == {metric}
    assert sum(1 for m in rows if m.value is not None) == reported
    assert _total([m.value for m in rows]) == total
    assert {m.snapshot_date for m in rows} == {EXPORT_DATE}


def test_eli_specific_posts(eli_posts):
    posts = {p.post_id: p for p in eli_posts.posts}
    reel = posts["17974697564884257"]
    assert reel.published_at == dt.datetime(2026, 5, 26, 14, 23, tzinfo=dt.UTC)
    assert reel.permalink == "https://www.instagram.com/reel/DYz2HS0M2ks/"
    assert reel.title == "They don’t tell you this about wealth."  # first line of a multi-line caption
    assert _post_metrics(eli_posts, "17974697564884257") == {
        "Views": ("impressions", 4993), "Reach": ("reach", 3206), "Likes": ("likes", 287),
        "Shares": ("shares", 56), "Follows": (None, 2), "Comments": ("comments", 0), "Saves": ("saves", 7),
    }
    image = posts["18129029371615857"]
    assert (image.post_type, image.title) == ("photo", "Happy Fathers Day!!")
    assert image.published_at == dt.datetime(2026, 6, 21, 13, 49, tzinfo=dt.UTC)
    viral = _post_metrics(eli_posts, "18005233919751268")
    assert viral["Views"] == ("impressions", 407599)
    assert viral["Reach"] == ("reach", 341229)
    # Reach and Follows are empty for this reel: None, not 0.
    sparse = _post_metrics(eli_posts, "17956430532130456")
    assert sparse["Reach"] == ("reach", None)
    assert sparse["Follows"] == (None, None)
    assert sparse["Saves"] == ("saves", 0)


# --------------------------------------------------------------------------------------------
# The "re-saved" folder (vintage restaurant, late 2025)
# --------------------------------------------------------------------------------------------


def test_ig_reach_in_resaved_folder_is_an_intact_daily_file(real_exports):
    # Despite the folder name this file is still UTF-16LE with sep=, and quoted cells: read it.
    name, parsed = _parse(real_exports / RESAVED / "IG_REACH.csv")
    assert name == "meta_daily_metric"
    rows = parsed.account_daily
    assert len(rows) == 62
    assert {(r.metric, r.source_metric) for r in rows} == {("reach", "Reach")}
    assert parsed.covers == (dt.date(2025, 10, 31), dt.date(2025, 12, 31))
    assert _total([r.value for r in rows]) == 273471
    assert max(r.value for r in rows) == 39788
    assert {r.date: r.value for r in rows}[dt.date(2025, 12, 15)] == 39788
    assert (rows[0].value, rows[-1].value) == (1245, 11638)


def test_collapsed_post_export_is_refused(real_exports):
    path = real_exports / RESAVED / "INSTAGRAM_RAW.csv"
    sheets = read_sheets(path)
    fmt = connector.recognise(sheets)
    assert fmt is not None and fmt.name == "meta_resaved_collapsed"
    with pytest.raises(ExportFileError) as err:
        fmt.parse(sheets, _ctx(path))
    assert err.value.reason == COLLAPSED_RESAVE_REASON
    assert (err.value.path, err.value.row) == (path, 1)


def test_every_real_instagram_file_is_handled(real_exports):
    outcomes = {}
    for path in sorted((real_exports / "instagram").rglob("*")):
        if not path.is_file():
            continue
        try:
            name, parsed = _parse(path)
            outcomes[path.relative_to(real_exports).as_posix()] = parsed.skipped_reason or name
        except ExportFileError as exc:
            outcomes[path.relative_to(real_exports).as_posix()] = f"refused: {exc.reason[:35]}"
    assert outcomes == {
        f"{ELI}/Audience.csv": AUDIENCE_SKIPPED_REASON,
        f"{ELI}/Follows.csv": "meta_daily_metric",
        f"{ELI}/Interactions.csv": "meta_daily_metric",
        f"{ELI}/Link clicks.csv": "meta_daily_metric",
        ELI_POSTS: "meta_post_export",
        f"{ELI}/Reach.csv": "meta_daily_metric",
        f"{ELI}/Views.csv": "meta_daily_metric",
        f"{ELI}/Visits.csv": "meta_daily_metric",
        f"{RESAVED}/IG_REACH.csv": "meta_daily_metric",
        f"{RESAVED}/INSTAGRAM_RAW.csv": "refused: re-saved by a spreadsheet: every ro",
    }


def test_facebook_post_export_is_not_an_instagram_file(real_exports):
    # Recognition is per platform: the Facebook post export has "Page ID", not "Account ID".
    path = real_exports / "facebook/oigetit_mbs_2025/Jan-14-2025_Apr-14-2025_1396269028466733.csv"
    sheets = read_sheets(path)
    assert connector.recognise(sheets) is None
