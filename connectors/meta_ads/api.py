"""Meta Ads campaign insights through the Marketing API (ApiClient of the meta_ads connector).

fetch: the ad account node (its currency), then `/act_{id}/insights?level=campaign&
time_increment=1` in windows of at most 31 days, following `paging.next`.
normalise: one AdsDayValue per campaign, day and metric (spend, impressions, reach, clicks,
conversions). Fields and mapping: api_settings.py.
"""

from __future__ import annotations

import datetime as dt
import logging
import re

from connectors.base import AdsDayValue, ParsedExport, RawPage
from connectors.http import ApiError, follow_next_urls
from connectors.meta.graph import (
    GraphApiClient,
    data_items,
    edge,
    graph_error,
    graph_error_notes,
)
from connectors.meta_ads import api_settings as settings
from connectors.rejected_metrics import RejectedMetrics, rejection_note
from connectors.values import date_chunks, number

logger = logging.getLogger(__name__)


def refused_field(message: str, requested: list[str]) -> str | None:
    """The requested metric column named by "(#100) x is not valid for fields param", else None.

    The campaign id and name are never dropped: without them no row can be keyed.
    """
    match = re.search(r"\(#100\) ([A-Za-z0-9_]+) is not valid for fields param", message or "")
    if match is None or match.group(1) not in requested or match.group(1) in settings.KEY_FIELDS:
        return None
    return match.group(1)


def ad_account_node(account_id: str) -> str:
    """`act_<id>` whether the config wrote the id with or without the prefix."""
    return account_id if account_id.startswith("act_") else f"act_{account_id}"


class MetaAdsApi(GraphApiClient):
    """Campaign-level daily insights of one ad account (account_id = `act_<id>` or `<id>`).

    Options: `conversion_action_types` (list of `actions` types counted as conversions),
    `currency` (overrides the ad account's currency).
    """

    platform = "meta_ads"
    api_settings = settings
    check_fields = "id,account_status"

    @property
    def node(self) -> str:
        return ad_account_node(self.account.account_id)

    @property
    def conversion_action_types(self) -> tuple[str, ...]:
        types = self.account.options.get("conversion_action_types")
        return tuple(types) if isinstance(types, list | tuple) else settings.DEFAULT_CONVERSION_ACTION_TYPES

    def fetch(self, start: dt.date, end: dt.date) -> list[RawPage]:
        window = (start, end)
        start = self.clamp_start(start, end)
        pages = [self.http.get(self.node, {"fields": settings.ACCOUNT_FIELDS}, window=window)]
        rejected = RejectedMetrics.for_account(self.account, self.today).scope("insights")
        for chunk_start, chunk_end in date_chunks(start, end, settings.MAX_DAYS_PER_CALL):
            while True:
                fields = [f for f in settings.INSIGHT_FIELDS.split(",") if f not in rejected]
                try:
                    pages += follow_next_urls(self.http, f"{self.node}/insights", {
                        "level": "campaign",
                        "fields": ",".join(fields),
                        # time_range is inclusive at both ends [docs example: 09-01..09-30]
                        "time_range": {"since": chunk_start.isoformat(), "until": chunk_end.isoformat()},
                        "time_increment": 1,
                        "limit": settings.PAGE_SIZE,
                    }, window=window)
                    break
                except ApiError as exc:
                    # "(#100) x is not valid for fields param": drop x, keep the other columns.
                    field = refused_field(exc.reason, fields)
                    if field is None or exc.page is None:
                        raise
                    logger.warning("meta_ads account %s: field %s rejected, skipped (the others load): %s",
                                   self.account.account_id, field, exc.reason)
                    rejected.add(field, exc.reason)
                    pages.append(exc.page)
        return pages

    def normalise(self, pages: list[RawPage]) -> ParsedExport:
        """Canonical records from landed pages; pure (no network, no clock)."""
        result = ParsedExport(format="meta_ads_api")
        currency = self.account.options.get("currency")
        if not currency:
            for page in pages:
                if edge(page) == "" and isinstance(page.body, dict) and page.body.get("currency"):
                    currency = str(page.body["currency"])
        if not currency:
            result.notes.append("meta_ads: ad account currency unknown; spend loaded without currency")
        refused_pages = []
        for page in pages:
            error = graph_error(page.body)
            field = refused_field(error.message, page.params.get("fields", "").split(",")) if error else None
            if field:
                refused_pages.append(page)
                result.notes.append(rejection_note("meta_ads", field, error.message if error else ""))
            if page.status >= 400 or error is not None or edge(page) != "insights":
                continue
            for row in data_items(page.body):
                self._row(row, page, str(currency) if currency else None, result)
        result.notes += graph_error_notes("meta_ads", [p for p in pages if p not in refused_pages])
        return result

    def _row(self, row: dict, page: RawPage, currency: str | None, result: ParsedExport) -> None:
        day = dt.date.fromisoformat(row["date_start"])  # == date_stop with time_increment=1
        if not page.window_start <= day <= page.window_end:
            return
        campaign_id = str(row.get("campaign_id") or "")
        campaign_name = row.get("campaign_name")

        def add(metric: str, source: str, value: float | None) -> None:
            result.ads_daily.append(AdsDayValue(
                date=day, campaign_id=campaign_id, campaign_name=campaign_name, currency=currency,
                metric=metric, source_metric=source, value=value))

        for field, metric in settings.FIELD_METRICS.items():
            if field not in row:
                continue  # Meta omits fields it has no value for: NULL, not 0
            try:
                add(metric, field, number(row[field]))  # numbers arrive as strings [docs]
            except ValueError:
                result.notes.append(f"meta_ads: {field}={row[field]!r} for campaign {campaign_id} on "
                                    f"{day} is not a number; loaded as NULL")
                add(metric, field, None)
        if "actions" in row:
            # Meta lists only action types that happened, so a row with `actions` but none of
            # the conversion types had 0 conversions; a row without `actions` stays NULL.
            total = sum(number(action.get("value")) or 0.0 for action in row["actions"] or []
                        if isinstance(action, dict) and action.get("action_type") in self.conversion_action_types)
            add("conversions", "actions:" + "+".join(self.conversion_action_types), total)
