"""Facebook Page export formats: Meta Business Suite (shared with Instagram, connectors.meta)
and the legacy Facebook Insights "Post data" workbook.

See docs/exports/facebook.md for where each file is downloaded.
"""

from __future__ import annotations

import datetime as dt
import re

from connectors.base import ExportContext, ExportFileError, ExportFormat, ParsedExport, PostMetricValue, PostRecord
from connectors.facebook.settings import (
    LEGACY_KEY_METRICS,
    LEGACY_POST_TYPES,
    LEGACY_STORIES_SHEET_PREFIX,
    LEGACY_STORY_ACTIONS,
    SETTINGS,
)
from connectors.meta.business_suite import business_suite_formats, local_to_utc, post_title
from connectors.tables import HeaderFormat, Sheets, find_header_row, unique_headers
from connectors.values import parse_number

KEY_METRICS_SHEET = "Key Metrics"
_KEY_METRICS_REQUIRED = frozenset({"Post ID", "Posted", "Lifetime Post Total Impressions"})
_BREAKDOWN_REQUIRED = {"Description", "Post ID", "Posted"}
# Descriptive columns of every legacy sheet; all other columns are lifetime metrics.
_LEGACY_DESCRIPTIVE = frozenset(h.casefold() for h in (
    "Description", "Post ID", "Permalink", "Post Message", "Type", "Countries", "Languages", "Posted",
    "Audience Targeting",
))
# The description row under the Key Metrics header ends each text with the metric's unit.
_UNIT = re.compile(r"\((Unique Users|Total Count)\)\s*$")


class LegacyInsightsPostDataFormat(HeaderFormat):
    """Legacy Page Insights -> Export Data -> "Post data" (.xls in SpreadsheetML, until ~2021).

    Sheet "Key Metrics" has one row per post with lifetime counters, under a header row that is
    followed by a description row ("Lifetime: The number of people who..."). The other sheets
    break single metrics down by type (like / comment / share, link clicks / photo view...); in
    those the description sits in the first column of the first post row.
    """

    name = "facebook_insights_post_data"
    required = _KEY_METRICS_REQUIRED
    search_rows = 3

    def tables(self, sheets: Sheets) -> list[tuple[str, int]]:
        """Only the Key Metrics sheet: the breakdown sheets share its descriptive columns."""
        return super().tables({KEY_METRICS_SHEET: sheets[KEY_METRICS_SHEET]} if KEY_METRICS_SHEET in sheets else {})

    def parse(self, sheets: Sheets, ctx: ExportContext) -> ParsedExport:
        found = self.tables(sheets)
        if not found:
            raise ExportFileError(ctx.path, "not a legacy Facebook Insights post data workbook")
        sheet, header_index = found[0]
        rows = sheets[sheet]
        parsed = ParsedExport(format=self.name)
        self._parse_key_metrics(rows, header_index, ctx, parsed)
        known_posts = {post.post_id for post in parsed.posts}
        for sheet_name, sheet_rows in sheets.items():
            if sheet_name != KEY_METRICS_SHEET:
                self._parse_breakdown(sheet_name, sheet_rows, ctx, known_posts, parsed)
        parsed.notes.append(f"{len(parsed.posts)} posts, lifetime snapshot dated {ctx.export_date}")
        return parsed

    def _parse_key_metrics(self, rows: list[list[str]], header_index: int, ctx: ExportContext,
                           parsed: ParsedExport) -> None:
        header = [c.strip() for c in rows[header_index]]
        width = len(header)
        first_data = header_index + 1
        descriptions = [""] * width
        # Quirk: a second header row holds each metric's description (empty under the
        # descriptive columns); it carries the unit that tells duplicate headers apart.
        if first_data < len(rows) and _is_description_row(rows[first_data]):
            descriptions = _padded(rows[first_data], width)
            first_data += 1
            parsed.notes.append("skipped the Key Metrics description row under the header")
        sources = _source_names(header, descriptions, parsed.notes)
        position = {name.casefold(): i for i, name in reversed(list(enumerate(header)))}
        metric_positions = [i for i, name in enumerate(header) if name and name.casefold() not in
                            _LEGACY_DESCRIPTIVE]
        seen: dict[str, int] = {}
        unknown_types: set[str] = set()
        for index in range(first_data, len(rows)):
            cells = _padded(rows[index], width)
            file_row = index + 1
            post_id = cells[position["post id"]].strip()
            if not post_id:
                if any(c.strip() for c in cells):
                    raise ExportFileError(ctx.path, f"sheet {KEY_METRICS_SHEET!r}: row without a Post ID",
                                          row=file_row, column="Post ID")
                continue
            if post_id in seen:
                raise ExportFileError(
                    ctx.path, f"post {post_id} appears twice (rows {seen[post_id]} and {file_row})",
                    row=file_row, column="Post ID")
            seen[post_id] = file_row
            raw_type = cells[position["type"]].strip() or None
            post_type = LEGACY_POST_TYPES.get(raw_type) if raw_type else None
            if raw_type and post_type is None:
                unknown_types.add(raw_type)
            parsed.posts.append(PostRecord(
                post_id=post_id,
                published_at=_posted(cells[position["posted"]], ctx, file_row),
                post_type=post_type,
                post_type_raw=raw_type,
                permalink=cells[position["permalink"]].strip() or None,
                title=post_title(cells[position["post message"]]),
            ))
            for i in metric_positions:
                value = _legacy_number(cells[i], ctx, KEY_METRICS_SHEET, file_row, header[i])
                metric = LEGACY_KEY_METRICS.get(header[i])
                parsed.post_metrics.append(
                    PostMetricValue(post_id, ctx.export_date, metric, sources[i], value))
        if unknown_types:
            parsed.notes.append(f"post types without a canonical type (kept raw): {sorted(unknown_types)}")

    def _parse_breakdown(self, sheet_name: str, rows: list[list[str]], ctx: ExportContext,
                         known_posts: set[str], parsed: ParsedExport) -> None:
        """A "<metric> by type" sheet: its value columns are kept as `<sheet>: <column>`."""
        header_index = find_header_row(rows, _BREAKDOWN_REQUIRED, search=3)
        if header_index is None:
            parsed.notes.append(f"sheet {sheet_name!r} ignored: no Description/Post ID header")
            return
        header = [c.strip() for c in rows[header_index]]
        width = len(header)
        id_position = next(i for i, name in enumerate(header) if name.casefold() == "post id")
        value_positions = [i for i, name in enumerate(header) if name and name.casefold() not in
                           _LEGACY_DESCRIPTIVE]
        is_stories = sheet_name.startswith(LEGACY_STORIES_SHEET_PREFIX)
        unmatched = 0
        for index in range(header_index + 1, len(rows)):
            cells = _padded(rows[index], width)
            post_id = cells[id_position].strip()
            if not post_id:
                continue
            if post_id not in known_posts:
                unmatched += 1
            for i in value_positions:
                value = _legacy_number(cells[i], ctx, sheet_name, index + 1, header[i])
                metric = LEGACY_STORY_ACTIONS.get(header[i].casefold()) if is_stories else None
                source = f"{sheet_name}: {header[i]}"
                parsed.post_metrics.append(PostMetricValue(post_id, ctx.export_date, metric, source, value))
        if unmatched:
            parsed.notes.append(f"sheet {sheet_name!r}: {unmatched} posts not in {KEY_METRICS_SHEET!r}")


def _padded(row: list[str], width: int) -> list[str]:
    return list(row) + [""] * (width - len(row))


def _is_description_row(row: list[str]) -> bool:
    return not (row[0].strip() if row else "") and any(c.strip().startswith("Lifetime:") for c in row)


def _source_names(header: list[str], descriptions: list[str], notes: list[str]) -> list[str]:
    """Lineage names: the header as written; a repeated header gets its unit from the description
    row ("Lifetime Organic Video Views (Unique Users)" / "(Total Count)") so both stay apart."""
    counts: dict[str, int] = {}
    for name in header:
        counts[name] = counts.get(name, 0) + 1
    fallback = unique_headers(header)
    names = []
    for i, name in enumerate(header):
        unit = _UNIT.search(descriptions[i])
        if counts[name] > 1 and unit:
            names.append(f"{name} ({unit.group(1)})")
        else:
            names.append(fallback[i])
    if len(set(names)) != len(names):  # units did not separate them: fall back to "Name (2)"
        names = fallback
    repeated = sorted(name for name, count in counts.items() if name and count > 1)
    if repeated:
        notes.append(f"repeated headers told apart by their unit: {repeated}")
    return names


def _posted(text: str, ctx: ExportContext, file_row: int) -> dt.datetime | None:
    """`Posted` is a local time without offset ("2020-09-22T07:07:36.000"): in ctx.timezone -> UTC."""
    if not text.strip():
        return None
    try:
        return local_to_utc(dt.datetime.fromisoformat(text.strip()), ctx.timezone)
    except ValueError as exc:
        raise ExportFileError(ctx.path, f"posted time {text!r} unreadable ({exc})", row=file_row,
                              column="Posted") from exc


def _legacy_number(text: str, ctx: ExportContext, sheet: str, file_row: int, column: str) -> float | None:
    """A counter cell; an empty cell is None (no data reported), never 0."""
    try:
        return parse_number(text)
    except ValueError as exc:
        raise ExportFileError(ctx.path, f"sheet {sheet!r}: not a number: {text!r}", row=file_row,
                              column=column) from exc


EXPORT_FORMATS: tuple[ExportFormat, ...] = (*business_suite_formats(SETTINGS), LegacyInsightsPostDataFormat())
