"""Mentions template CSV -> core.mentions_daily (see settings.py for the columns)."""

from __future__ import annotations

from collections.abc import Hashable

from connectors.base import MentionsDayValue, ParsedExport
from connectors.mentions import settings
from connectors.templates import TemplateFormat, TemplateRow


class MentionsTemplate(TemplateFormat):
    """Mentions per day, subject and platform; a platform may be written as an alias ("twitter")."""

    name = "mentions_template"
    required = frozenset(settings.COLUMNS)

    def add(self, row: TemplateRow, seen: dict[Hashable, int], out: ParsedExport) -> None:
        date = row.date("date")
        subject_id = row.required("subject_id")
        platform_text = row.required("platform")
        platform = settings.PLATFORM_ALIASES.get(platform_text.casefold(), platform_text.casefold())
        mentions = row.number("mentions")
        if mentions is not None and mentions < 0:
            raise row.error("mentions", f"a mention count cannot be negative: {row.cell('mentions')!r}")
        row.first_of(seen, (date, subject_id, platform), "date", f"{subject_id} on {platform} on {date}",
                     ": one row per day, subject and platform")
        out.mentions_daily.append(MentionsDayValue(date, subject_id, platform, mentions))

    def finish(self, out: ParsedExport) -> None:
        if out.mentions_daily:
            dates = [value.date for value in out.mentions_daily]
            out.covers = (min(dates), max(dates))


EXPORT_FORMATS: tuple[MentionsTemplate, ...] = (MentionsTemplate(),)
