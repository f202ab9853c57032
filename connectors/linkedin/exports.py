"""LinkedIn Page admin exports: the content, followers and visitors workbooks.

LinkedIn exports one workbook per Analytics tab (legacy BIFF .xls until 2023, .xlsx since), and
people paste the native sheets of several exports into one workbook (the NPLF fixture holds the
visitors and content sheets together). The pipeline parses a file with the first format that
recognises it, so a single format here handles any subset of the known sheets and yields the
records of all of them. Each sheet is identified by its header row, never by its name (a
combined workbook may rename sheets): see `SHEET_KINDS`.

Sheet kinds:
- content metrics ("Metrics", 2020 "Update metrics (aggregated)"): daily account metrics;
- posts ("All posts", 2020 "Update Engagement"): posts + lifetime counters dated ctx.export_date;
- new followers ("New followers"): daily followers_gained;
- visitor metrics ("Visitor metrics"): daily profile_visits;
- demographics (Location, Job function, ...): no daily facts, skipped.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from connectors.base import AccountDayValue, ExportContext, ExportFileError, ParsedExport, PostMetricValue, PostRecord
from connectors.linkedin import settings
from connectors.tables import Header, Sheets, classify, records
from connectors.values import excel_serial_to_date, parse_number

CONTENT = "content metrics"
POSTS = "posts"
FOLLOWERS = "new followers"
VISITORS = "visitor metrics"
DEMOGRAPHIC = "demographics"

_DAILY_METRICS: dict[str, dict[str, str]] = {
    CONTENT: settings.CONTENT_DAILY_METRICS,
    FOLLOWERS: settings.FOLLOWER_DAILY_METRICS,
    VISITORS: settings.VISITOR_DAILY_METRICS,
}

_US_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_EXCEL_SERIAL = re.compile(r"\d{5}(?:\.0+)?")
_URN = re.compile(r"urn:li:[A-Za-z]+:\d+")
_ACTIVITY_IN_SLUG = re.compile(r"activity-(\d{10,})")


# Each sheet kind by its header row (within the first rows); a row matching two kinds is the
# first listed. The content sheets put a note row above the header; the others start with it.
SHEET_KINDS: dict[str, Header] = {
    POSTS: Header.of({"Created date", "Impressions"},
                     any_of=[(*settings.POST_LINK_COLUMNS, *settings.POST_TITLE_COLUMNS)], search=5),
    CONTENT: Header.of({"Date"}, any_of=[("Impressions (total)", "Impressions (organic)")], search=5),
    FOLLOWERS: Header.of({"Date", "Total followers"}, any_of=[settings.NEW_FOLLOWER_SOURCE_COLUMNS], search=5),
    VISITORS: Header.of({"Date"}, any_of=[("Total unique visitors (total)", "Total page views (total)")],
                        search=5),
    # A two-column first row: the facet (Location, Job function...) and its count.
    DEMOGRAPHIC: Header.of(leading=[settings.DEMOGRAPHIC_FACETS, settings.DEMOGRAPHIC_VALUE_COLUMNS],
                           only=True, search=1),
}


def parse_linkedin_date(text: str) -> dt.date:
    """A LinkedIn date cell: "04/01/2020" (always month first, whatever the UI language), an
    Excel serial ("44008", how the 2020 posts sheet stored Created date), or an ISO date (date
    cells of .xlsx/.xls files, which connectors.tables renders as ISO). Raises ValueError."""
    s = text.strip()
    if m := _US_DATE.fullmatch(s):
        try:
            return dt.date(int(m[3]), int(m[1]), int(m[2]))
        except ValueError as exc:
            raise ValueError(f"{text!r} is not a MM/DD/YYYY date (LinkedIn writes the month first)") from exc
    if m := _ISO_DATE.fullmatch(s):
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    if _EXCEL_SERIAL.fullmatch(s):
        return excel_serial_to_date(float(s))
    raise ValueError(f"not a date: {text!r} (expected MM/DD/YYYY, an Excel date serial or YYYY-MM-DD)")


def post_id_from(link: str, created: dt.date | None) -> str:
    """The post's URN from its link ("…/feed/update/urn:li:activity:668…"); a post URL slug
    ("…-activity-7123…-abcd") gives the same activity URN. Without either, a stable hash of
    link + created date, so re-exports of the same post keep one id."""
    if m := _URN.search(link):
        return m[0]
    if m := _ACTIVITY_IN_SLUG.search(link):
        return f"urn:li:activity:{m[1]}"
    digest = hashlib.sha1(f"{link}|{created.isoformat() if created else ''}".encode()).hexdigest()
    return f"linkedin-export-{digest[:16]}"


@dataclass
class _Collected:
    """Records of all sheets, checked for conflicting copies of the same fact."""

    path: str
    daily: dict[tuple[dt.date, str], tuple[AccountDayValue, str, int]] = field(default_factory=dict)
    posts: dict[str, tuple[PostRecord, list[PostMetricValue], str, int]] = field(default_factory=dict)
    duplicate_days: int = 0
    duplicate_posts: int = 0

    def add_day(self, value: AccountDayValue, sheet: str, row: int) -> None:
        # A combined workbook can hold the same sheet twice (two pastes of one export); identical
        # copies are dropped, different values for the same day cannot be resolved.
        key = (value.date, value.source_metric.casefold())
        previous = self.daily.get(key)
        if previous is None:
            self.daily[key] = (value, sheet, row)
            return
        old, old_sheet, old_row = previous
        if old.value != value.value:
            raise ExportFileError(
                self.path,
                f"sheet {sheet!r} gives {value.value} for {value.date}, but sheet {old_sheet!r} "
                f"row {old_row} gives {old.value}: the workbook holds conflicting copies of that day",
                row=row, column=value.source_metric)
        self.duplicate_days += 1

    def add_post(self, post: PostRecord, metrics: list[PostMetricValue], sheet: str, row: int) -> None:
        previous = self.posts.get(post.post_id)
        if previous is None:
            self.posts[post.post_id] = (post, metrics, sheet, row)
            return
        old_post, old_metrics, old_sheet, old_row = previous
        if (old_post, old_metrics) != (post, metrics):
            raise ExportFileError(
                self.path,
                f"sheet {sheet!r} lists post {post.post_id} with other values than sheet "
                f"{old_sheet!r} row {old_row}: the workbook holds conflicting copies of that post",
                row=row)
        self.duplicate_posts += 1


class LinkedInPageExport:
    """Any LinkedIn Page admin export workbook, native or user-combined (see module docstring)."""

    name = "linkedin_page"

    def recognise(self, sheets: Sheets) -> bool:
        return any(classify(rows, SHEET_KINDS) is not None for rows in sheets.values())

    def parse(self, sheets: Sheets, ctx: ExportContext) -> ParsedExport:
        out = ParsedExport(format=self.name)
        collected = _Collected(str(ctx.path))
        days: list[dt.date] = []
        daily_sheets = 0
        for sheet_name, rows in sheets.items():
            found = classify(rows, SHEET_KINDS)
            if found is None:
                if any(any(c.strip() for c in row) for row in rows):
                    out.notes.append(f"ignored sheet {sheet_name!r}: not a LinkedIn page export sheet")
                continue
            kind, header_index = found
            if kind == DEMOGRAPHIC:
                out.notes.append(f"skipped demographic sheet {sheet_name!r} (no daily facts)")
                continue
            if kind == POSTS:
                count = _parse_posts(sheet_name, rows, header_index, ctx, collected)
                out.notes.append(
                    f"sheet {sheet_name!r}: {count} posts, lifetime counters as of {ctx.export_date} "
                    f"(export date); published_at is the created date at 00:00 {ctx.timezone}, "
                    "LinkedIn gives no time")
                continue
            sheet_days = _parse_daily(sheet_name, rows, kind, header_index, ctx, collected)
            daily_sheets += 1
            days.extend(sheet_days)
            span = f" {min(sheet_days)}..{max(sheet_days)}" if sheet_days else ""
            out.notes.append(f"sheet {sheet_name!r}: {kind}, {len(sheet_days)} days{span}")

        out.account_daily = [value for value, _sheet, _row in collected.daily.values()]
        for post, metrics, _sheet, _row in collected.posts.values():
            out.posts.append(post)
            out.post_metrics.extend(metrics)
        if days:
            out.covers = (min(days), max(days))
        if daily_sheets:
            out.notes.append("organic/sponsored splits, engagement rates and per-tab/device page "
                             "views are kept for lineage only (metric None)")
        if collected.duplicate_days or collected.duplicate_posts:
            out.notes.append(f"dropped {collected.duplicate_days} day values and "
                             f"{collected.duplicate_posts} posts repeated identically in several sheets")
        if any(post.post_id.startswith("linkedin-export-") for post in out.posts):
            out.notes.append("posts without a link URN got an id hashed from link + created date")
        if not daily_sheets and not collected.posts:
            out.skipped_reason = "LinkedIn demographic sheets only: no daily facts"
        return out


_Rows = list[tuple[int, dict[str, str]]]


def _data_columns(rows: list[list[str]], header_index: int) -> tuple[list[str], _Rows]:
    """Named columns (exporters pad header rows with empty cells) and the data rows."""
    header, data = records(rows, header_index)
    raw = rows[header_index]
    named = [name for i, name in enumerate(header) if i < len(raw) and raw[i].strip()]
    return named, data


def _number(text: str, ctx: ExportContext, sheet: str, row: int, column: str) -> float | None:
    try:
        return parse_number(text)
    except ValueError as exc:
        raise ExportFileError(ctx.path, f"sheet {sheet!r}: {exc}", row=row, column=column) from exc


def _date(text: str, ctx: ExportContext, sheet: str, row: int, column: str) -> dt.date:
    try:
        return parse_linkedin_date(text)
    except ValueError as exc:
        raise ExportFileError(ctx.path, f"sheet {sheet!r}: {exc}", row=row, column=column) from exc


def _find_column(columns: list[str], candidates: tuple[str, ...]) -> str | None:
    for name in columns:
        if name.casefold() in candidates:
            return name
    return None


def _parse_daily(sheet: str, rows: list[list[str]], kind: str, header_index: int, ctx: ExportContext,
                 collected: _Collected) -> list[dt.date]:
    """One AccountDayValue per cell of a daily sheet; returns the dates read."""
    columns, data = _data_columns(rows, header_index)
    date_column = _find_column(columns, ("date",))
    assert date_column is not None  # every daily sheet kind requires a Date column
    metrics = _DAILY_METRICS[kind]
    value_columns = [c for c in columns if c != date_column]
    dates: list[dt.date] = []
    for row_number, record in data:
        date = _date(record[date_column], ctx, sheet, row_number, date_column)
        dates.append(date)
        values = {column: _number(record[column], ctx, sheet, row_number, column) for column in value_columns}
        if kind == FOLLOWERS:
            _check_new_followers(values, ctx, sheet, row_number)
        for column, value in values.items():
            collected.add_day(AccountDayValue(date, metrics.get(column.casefold()), column, value),
                              sheet, row_number)
    return dates


def _check_new_followers(values: dict[str, float | None], ctx: ExportContext, sheet: str, row: int) -> None:
    """"Total followers" is read as the day's new followers (see settings): it must equal the
    sum of the sponsored, organic and auto-invited columns, else the reading does not hold."""
    by_name = {name.casefold(): (name, value) for name, value in values.items()}
    total_name, total = by_name["total followers"]
    parts = [by_name[name][1] for name in settings.NEW_FOLLOWER_SOURCE_COLUMNS if name in by_name]
    if total is None or any(part is None for part in parts):
        return
    if abs(total - sum(p for p in parts if p is not None)) > 1e-9:
        raise ExportFileError(
            ctx.path,
            f"sheet {sheet!r}: Total followers {total:g} is not the sum of the day's sponsored, organic "
            f"and auto-invited followers ({sum(p for p in parts if p is not None):g}); the file does not "
            "have the New followers layout (daily new followers), so it cannot be loaded safely",
            row=row, column=total_name)


def _parse_posts(sheet: str, rows: list[list[str]], header_index: int, ctx: ExportContext,
                 collected: _Collected) -> int:
    """Posts and their lifetime counters (a snapshot dated ctx.export_date); returns the count."""
    columns, data = _data_columns(rows, header_index)
    link_column = _find_column(columns, settings.POST_LINK_COLUMNS)
    title_column = _find_column(columns, settings.POST_TITLE_COLUMNS)
    distribution_column = _find_column(columns, settings.POST_DISTRIBUTION_COLUMNS)
    content_type_column = _find_column(columns, settings.POST_CONTENT_TYPE_COLUMNS)
    created_column = _find_column(columns, settings.POST_CREATED_COLUMNS)
    assert created_column is not None  # SHEET_KINDS[POSTS] requires it
    descriptive = {c for c in (link_column, title_column, distribution_column, content_type_column,
                               created_column) if c is not None}
    metric_columns = [c for c in columns
                      if c not in descriptive and c.casefold() not in settings.POST_DESCRIPTIVE_COLUMNS]
    timezone = ZoneInfo(ctx.timezone)
    count = 0
    for row_number, record in data:
        link = record[link_column].strip() if link_column else ""
        created_text = record[created_column].strip()
        created = _date(created_text, ctx, sheet, row_number, created_column) if created_text else None
        if not link and created is None:
            raise ExportFileError(ctx.path, f"sheet {sheet!r}: a post row needs a post link or a created "
                                  "date to identify the post", row=row_number,
                                  column=link_column or created_column)
        post_id = post_id_from(link, created)
        # Only the created date is known (LinkedIn gives no time, and its note says dates are
        # UTC days): 00:00 in the account's timezone keeps the post on that date when posts are
        # counted per local day, which midnight UTC would not for accounts west of UTC.
        published_at = (dt.datetime.combine(created, dt.time(0), tzinfo=timezone).astimezone(dt.UTC)
                        if created else None)
        content_type = record[content_type_column].strip() if content_type_column else ""
        distribution = record[distribution_column].strip() if distribution_column else ""
        post = PostRecord(
            post_id=post_id,
            published_at=published_at,
            post_type=settings.CONTENT_TYPES.get(content_type.casefold()),
            # The format when the export has "Content Type"; else LinkedIn's "Update type"
            # (Organic / Sponsored), its only type column before 2024.
            post_type_raw=content_type or distribution or None,
            permalink=link or None,
            title=(record[title_column].strip() or None) if title_column else None,
        )
        metrics = [
            PostMetricValue(post_id, ctx.export_date, settings.POST_METRICS.get(column.casefold()), column,
                            _number(record[column], ctx, sheet, row_number, column))
            for column in metric_columns
        ]
        collected.add_post(post, metrics, sheet, row_number)
        count += 1
    return count


EXPORT_FORMATS: tuple[LinkedInPageExport, ...] = (LinkedInPageExport(),)
