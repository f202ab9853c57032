"""Mentions template CSV -> core.mentions_daily (see settings.py for the columns)."""

from __future__ import annotations

from collections.abc import Hashable

from connectors.base import ExportContext, MentionsDayValue, ParsedExport
from connectors.mentions import settings
from connectors.tables import Sheets
from connectors.templates import TemplateFormat, template_rows


class MentionsTemplate(TemplateFormat):
    """The documented mentions template, recognised by its header."""

    name = "mentions_template"
    required = frozenset(settings.COLUMNS)

    def parse(self, sheets: Sheets, ctx: ExportContext) -> ParsedExport:
        out = ParsedExport(format=self.name)
        seen: dict[Hashable, int] = {}
        for row in template_rows(sheets, settings.COLUMNS, ctx, out):
            date = row.date("date")
            subject_id = row.required("subject_id")
            platform_text = row.required("platform")
            platform = settings.PLATFORM_ALIASES.get(platform_text.casefold(), platform_text.casefold())
            mentions = row.number("mentions")
            if mentions is not None and mentions < 0:
                raise row.error("mentions", f"a mention count cannot be negative: {row.cell('mentions')!r}")
            key = (date, subject_id, platform)
            row.first_of(seen, key, "date", f"{subject_id} on {platform} on {date}",
                         ": one row per day, subject and platform")
            out.mentions_daily.append(MentionsDayValue(date, subject_id, platform, mentions))
        if out.mentions_daily:
            dates = [value.date for value in out.mentions_daily]
            out.covers = (min(dates), max(dates))
        return out


EXPORT_FORMATS: tuple[MentionsTemplate, ...] = (MentionsTemplate(),)
