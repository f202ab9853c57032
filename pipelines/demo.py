"""Bundled sample data: a demo brand whose accounts drop native-format export files.

The files are written exactly as the platforms export them (Meta Business Suite daily files in
UTF-16LE with `sep=,` and a title line, its per-post CSV in UTF-8 with BOM, X Premium account
overview and per-post content CSVs), so the demo exercises the real parsers end to end. Deterministic:
the same seed gives byte-identical files.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from dataclasses import dataclass
from pathlib import Path

# A fixed window for tests that need stable dates; `socialkpi demo` uses demo_window() instead.
DEMO_START = dt.date(2025, 1, 1)
DEMO_END = dt.date(2025, 3, 31)
DEMO_DAYS = 90
DEMO_TIMEZONE = "Europe/Berlin"  # the timezone of the demo config


def demo_window(today: dt.date) -> tuple[dt.date, dt.date]:
    """The 90 days ending yesterday: the UI's freshness checks are green, no partition is missing,
    and the nightly schedule continues from where the demo stops."""
    end = today - dt.timedelta(days=1)
    return end - dt.timedelta(days=DEMO_DAYS - 1), end


@dataclass(frozen=True)
class DemoAccount:
    platform: str
    account_id: str
    name: str
    followers_start: int  # followers at the end of the day before DEMO_START
    daily_reach: int


ACCOUNTS = (
    DemoAccount("facebook", "100000000000001", "Acme on Facebook", 12_400, 2_100),
    DemoAccount("instagram", "17841400000000001", "Acme on Instagram", 25_300, 5_400),
    DemoAccount("x", "acme", "Acme on X", 8_150, 0),
)

CONFIG_TEMPLATE = """\
# socialkpi demo configuration (written by `socialkpi demo`).
timezone: "{timezone}"
start_date: "{start}"
warehouse: "warehouse.duckdb"
analytics_snapshot: "analytics.duckdb"
exports_dir: "exports"
lookback_days: 3
brands:
  - id: "acme"
    name: "Acme"
    mention_keywords: ["acme", "#acme"]
    competitors: [{{id: "globex", name: "Globex", mention_keywords: ["globex"]}}]
accounts:
{accounts}
targets:
  # Meta exports carry no follower totals (only gross follows), so the follower target is on X,
  # whose series is rebuilt from the known count and daily follows/unfollows.
  - id: "x-followers-q1"
    kpi: "followers"
    scope: {{brand: "acme", platform: "x"}}
    target: 9500
    start: "{start}"
    due: "{end}"
"""


def demo_config(start: dt.date = DEMO_START, end: dt.date = DEMO_END) -> str:
    accounts = "\n".join(
        f'  - platform: "{a.platform}"\n    account_id: "{a.account_id}"\n    brand: "acme"\n'
        f'    name: "{a.name}"\n    followers_on: {{"{start - dt.timedelta(days=1)}": {a.followers_start}}}'
        for a in ACCOUNTS)
    return CONFIG_TEMPLATE.format(start=start, end=end, accounts=accounts, timezone=DEMO_TIMEZONE)


def _days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def _csv_text(rows: list[list[object]], *, quote_all: bool = False) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL, lineterminator="\n")
    writer.writerows(rows)
    return buffer.getvalue()


def _write_meta_daily(folder: Path, file_name: str, title: str, values: dict[dt.date, int]) -> None:
    # Meta Business Suite daily metric file: UTF-16LE with BOM, `sep=,`, title line, quoted cells.
    rows = [["Date", "Primary"]] + [[f"{day.isoformat()}T00:00:00", str(v)] for day, v in values.items()]
    text = "sep=,\n" + _csv_text([[title]], quote_all=True) + _csv_text(rows, quote_all=True)
    (folder / file_name).write_bytes(text.encode("utf-16"))


def _meta_files(folder: Path, account: DemoAccount, days: list[dt.date], rng: random.Random) -> None:
    prefix = "Facebook" if account.platform == "facebook" else "Instagram"
    reach, views, follows, interactions, visits, clicks = {}, {}, {}, {}, {}, {}
    for day in days:
        weekend = day.weekday() >= 5
        base = account.daily_reach * (0.8 if weekend else 1.0)
        reach[day] = int(base * rng.uniform(0.7, 1.3))
        views[day] = int(reach[day] * rng.uniform(1.3, 1.8))
        follows[day] = rng.randint(5, 40)
        interactions[day] = int(reach[day] * rng.uniform(0.02, 0.06))
        visits[day] = rng.randint(40, 160)
        clicks[day] = rng.randint(10, 90)
    # One launch-day spike, so the anomaly flags have something to find.
    spike = days[len(days) * 2 // 3]
    reach[spike] *= 4
    views[spike] *= 4
    interactions[spike] *= 5
    _write_meta_daily(folder, "Reach.csv", f"{prefix} reach" if prefix == "Facebook" else "Reach", reach)
    _write_meta_daily(folder, "Views.csv", "Views", views)
    _write_meta_daily(folder, "Follows.csv", f"{prefix} follows", follows)
    _write_meta_daily(folder, "Interactions.csv", "Content interactions", interactions)
    _write_meta_daily(folder, "Visits.csv", "Facebook visits" if prefix == "Facebook" else "Instagram profile visits",
                      visits)
    _write_meta_daily(folder, "Link clicks.csv", "Instagram link clicks" if prefix == "Instagram" else "Link clicks",
                      clicks)
    _meta_posts(folder, account, days, rng)


def _meta_posts(folder: Path, account: DemoAccount, days: list[dt.date], rng: random.Random) -> None:
    # Meta Business Suite per-post "Content" export: UTF-8 with BOM, Date = "Lifetime".
    if account.platform == "instagram":
        header = ["Post ID", "Account ID", "Account username", "Account name", "Description", "Duration (sec)",
                  "Publish time", "Permalink", "Post type", "Data comment", "Date", "Views", "Reach", "Likes",
                  "Shares", "Follows", "Comments", "Saves"]
    else:
        header = ["Post ID", "Page ID", "Page name", "Title", "Description", "Duration (sec)", "Publish time",
                  "Caption type", "Permalink", "Is crosspost", "Is share", "Post type", "Languages",
                  "Custom labels", "Funded content status", "Data comment", "Date", "Views", "Reach",
                  "Reactions, Comments and Shares", "Reactions", "Comments", "Shares", "Total clicks"]
    rows: list[list[object]] = [header]
    for n, day in enumerate(days):
        if rng.random() > 0.55:
            continue
        post_id = f"{account.account_id[-6:]}{n:05d}"
        published = f"{day:%m/%d/%Y} {rng.randint(8, 20):02d}:{rng.randint(0, 59):02d}"
        views, reach = rng.randint(800, 9000), 0
        reach = int(views * rng.uniform(0.5, 0.8))
        likes, comments = rng.randint(10, 400), rng.randint(0, 40)
        shares, saves = rng.randint(0, 60), rng.randint(0, 50)
        caption = f"Acme update #{n}\nMore at acme.example"
        if account.platform == "instagram":
            kind = rng.choice(["IG reel", "IG image", "IG carousel"])
            rows.append([post_id, account.account_id, "acme", "Acme", caption, 30 if kind == "IG reel" else 0,
                         published, f"https://www.instagram.com/p/{post_id}/", kind, "", "Lifetime", views, reach,
                         likes, shares, rng.randint(0, 5), comments, saves])
        else:
            kind = rng.choice(["Photos", "Links", "Reels"])
            rows.append([post_id, account.account_id, "Acme", f"Acme update #{n}", caption, 0, published, "N/A",
                         f"https://www.facebook.com/{post_id}", 0, 0, kind, "", "", "", "", "Lifetime", views, reach,
                         likes + comments + shares, likes, comments, shares, rng.randint(0, 120)])
    name = f"{days[0]:%b-%d-%Y}_{days[-1]:%b-%d-%Y}_{account.account_id}.csv"
    (folder / name).write_bytes(_csv_text(rows).encode("utf-8-sig"))


def _x_files(folder: Path, account: DemoAccount, days: list[dt.date], rng: random.Random) -> None:
    # The posts first, so the overview's "Create Post" of a day is the number of that day's posts
    # in the content export, as in a real pair of exports.
    posts_on = {day: rng.choice((0, 0, 1, 1, 2)) for day in days}
    # X Premium account overview: one row per day, newest first, dates like "Fri, Mar 21, 2025".
    header = ["Date", "Impressions", "Likes", "Engagements", "Bookmarks", "Shares", "New follows", "Unfollows",
              "Replies", "Reposts", "Profile visits", "Create Post", "Video views", "Media views"]
    rows: list[list[object]] = [header]
    for day in reversed(days):
        impressions = rng.randint(900, 4000)
        likes, replies = rng.randint(5, 60), rng.randint(0, 12)
        reposts, bookmarks = rng.randint(0, 15), rng.randint(0, 6)
        rows.append([day.strftime("%a, %b %d, %Y").replace(" 0", " "), impressions, likes,
                     likes + replies + reposts + bookmarks + rng.randint(5, 40), bookmarks, rng.randint(0, 3),
                     rng.randint(3, 25), rng.randint(0, 8), replies, reposts, rng.randint(5, 40),
                     posts_on[day], rng.randint(0, 200), rng.randint(0, 300)])
    (folder / "account_overview_analytics.csv").write_text(_csv_text(rows), encoding="utf-8")
    _x_posts(folder, account, posts_on, rng)


def _x_posts(folder: Path, account: DemoAccount, posts_on: dict[dt.date, int], rng: random.Random) -> None:
    # X Premium content export (early-2025 header): one row per post, newest first, dates like
    # "Thu Mar 20 2025", post text HTML-escaped, lifetime counters as of the end date in its name.
    header = ["Post id", "Date", "Post text", "Link", "Impressions", "Likes", "Engagements", "Bookmarks", "Share",
              "New follows", "Replies", "Reposts", "Profile visits", "Detail expands", "Url clicks",
              "Hashtag clicks", "Permalink clicks"]
    rows: list[list[object]] = [header]
    days = sorted(posts_on)
    for n, day in reversed(list(enumerate(days))):
        for k in range(posts_on[day]):
            post_id = 1_900_000_000_000_000_000 + n * 10 + k
            impressions = rng.randint(200, 3000)
            likes, replies = rng.randint(0, 40), rng.randint(0, 8)
            reposts, bookmarks, shares = rng.randint(0, 10), rng.randint(0, 4), rng.randint(0, 2)
            clicks = rng.randint(0, 30)
            rows.append([post_id, day.strftime("%a %b %d %Y"), f"Acme update {n}.{k} &amp; more",
                         f"https://x.com/{account.account_id}/status/{post_id}", impressions, likes,
                         likes + replies + reposts + bookmarks + shares + clicks, bookmarks, shares,
                         rng.randint(0, 3), replies, reposts, rng.randint(0, 10), rng.randint(0, 20), clicks, 0, 0])
    name = f"account_analytics_content_{days[0].isoformat()}_{days[-1].isoformat()}.csv"
    (folder / name).write_text(_csv_text(rows), encoding="utf-8")


def write_demo(directory: Path, start: dt.date = DEMO_START, end: dt.date = DEMO_END, seed: int = 42) -> Path:
    """Write socialkpi.yaml and the sample export files under `directory`; returns the config path."""
    rng = random.Random(seed)
    days = _days(start, end)
    for account in ACCOUNTS:
        folder = directory / "exports" / account.platform / account.account_id
        folder.mkdir(parents=True, exist_ok=True)
        if account.platform == "x":
            _x_files(folder, account, days, rng)
        else:
            _meta_files(folder, account, days, rng)
    config = directory / "socialkpi.yaml"
    config.write_text(demo_config(start, end), encoding="utf-8")
    return config
