"""GA4 runReport contract: bodies shaped as Google's own reference shows them.

Sources (official):
- https://developers.google.com/analytics/devguides/reporting/data/v1/basics ("Report Response":
  the sample response for country x activeUsers, copied verbatim below as DOCS_SAMPLE).
- https://developers.google.com/analytics/devguides/reporting/data/v1/rest/v1beta/RunReportResponse
  (dimensionHeaders/metricHeaders order = row order; `rowCount` is the total, independent of
  `limit`/`offset`; `kind` is always "analyticsData#runReport").
Values in OUR_REPORT are ours (the reference gives no date x sessionSource example); its
structure follows the two pages above. Every expected value is worked out by hand.
"""

from __future__ import annotations

import datetime as dt

from connectors.base import ApiAccount, RawPage, WebDayValue
from connectors.ga4.api import Ga4DataApi, metric_headers, report_rows

DOCS_SAMPLE = {
    "dimensionHeaders": [{"name": "country"}],
    "metricHeaders": [{"name": "activeUsers", "type": "TYPE_INTEGER"}],
    "rows": [
        {"dimensionValues": [{"value": "Japan"}], "metricValues": [{"value": "2541"}]},
        {"dimensionValues": [{"value": "France"}], "metricValues": [{"value": "12"}]},
    ],
    "metadata": {},
    "rowCount": 2,
}

OUR_REPORT = {
    "dimensionHeaders": [{"name": "date"}, {"name": "sessionSource"}],
    "metricHeaders": [{"name": "sessions", "type": "TYPE_INTEGER"},
                      {"name": "engagedSessions", "type": "TYPE_INTEGER"},
                      {"name": "keyEvents", "type": "TYPE_FLOAT"},
                      {"name": "totalRevenue", "type": "TYPE_CURRENCY"}],
    "rows": [
        {"dimensionValues": [{"value": "20261120"}, {"value": "l.instagram.com"}],
         "metricValues": [{"value": "41"}, {"value": "30"}, {"value": "2.5"}, {"value": "89.9"}]},
        {"dimensionValues": [{"value": "20261120"}, {"value": "instagram.com"}],
         "metricValues": [{"value": "9"}, {"value": "4"}, {"value": "0"}, {"value": "0"}]},
        {"dimensionValues": [{"value": "20261121"}, {"value": "google"}],
         "metricValues": [{"value": "500"}, {"value": "420"}, {"value": "7"}, {"value": "300"}]},
    ],
    "rowCount": 3,
    "metadata": {"currencyCode": "EUR", "timeZone": "Europe/Berlin"},
    "kind": "analyticsData#runReport",
}


def page(body: dict) -> RawPage:
    return RawPage(endpoint="https://analyticsdata.googleapis.com/v1beta/properties/1:runReport", params={},
                   status=200, body=body, fetched_at=dt.datetime(2026, 11, 22, 6, tzinfo=dt.UTC),
                   window_start=dt.date(2026, 11, 20), window_end=dt.date(2026, 11, 21))


def test_the_docs_sample_reads_as_columns_in_header_order():
    assert report_rows(DOCS_SAMPLE) == [{"country": "Japan", "activeUsers": "2541"},
                                        {"country": "France", "activeUsers": "12"}]
    assert metric_headers(DOCS_SAMPLE) == ["activeUsers"]


def test_a_report_in_the_reference_structure_lands_by_hand():
    api = Ga4DataApi(ApiAccount("ga4", "1", "Europe/Berlin", {}))
    result = api.normalise([page(OUR_REPORT)])
    nov20 = dt.date(2026, 11, 20)
    assert sorted(result.web_daily, key=lambda v: v.metric) == sorted([
        WebDayValue(nov20, "instagram", "sessions", "sessions", 41 + 9),
        WebDayValue(nov20, "instagram", "bounced_sessions", "sessions-engagedSessions", (41 - 30) + (9 - 4)),
        WebDayValue(nov20, "instagram", "conversions", "keyEvents", 2.5),
        WebDayValue(nov20, "instagram", "revenue", "totalRevenue", 89.9),
    ], key=lambda v: v.metric)
    assert result.notes[-1] == ("ga4: ignored 500 sessions from 1 sources that are not social platforms: "
                                "google (500)")
