"""LinkedIn Pages contract: the bodies LinkedIn's own reference shows, through the client.

Source (official, the only LinkedIn sample responses the search tool returns in full):
https://learn.microsoft.com/en-us/linkedin/marketing/integrations/community-management/organizations/organization-network-size?tabs=http&view=li-lms-2023-05
- "Organization Network Size": GET networkSizes/urn:li:organization:1234567?edgeType=CompanyFollowedByMember,
  sample response {"firstDegreeSize": 219145} (copied verbatim as NETWORK_SIZE_SAMPLE);
- "Follower Statistics": the lifetime organizationalEntityFollowerStatistics sample response (no
  timeIntervals). Reproduced below up to where the reference text could be read: paging, then one
  element with totalFollowerCounts and followerCountsByStaffCountRange (values verbatim).

The time-bound samples of organizationalEntityShareStatistics, organizationalEntityFollowerStatistics
and organizationPageStatistics could not be read (docs/api.md, "Contract tests"): those reports
are covered by tests/connectors/linkedin/test_api.py against the emulator only.
"""

from __future__ import annotations

import datetime as dt

from connectors.base import AccountDayValue, ApiAccount, RawPage
from connectors.linkedin.api import LinkedInPagesApi

NETWORK_SIZE_SAMPLE = {"firstDegreeSize": 219145}

LIFETIME_FOLLOWER_SAMPLE = {
    "paging": {"count": 10, "start": 0},
    "elements": [{
        "totalFollowerCounts": {"organicFollowerCount": 33916, "paidFollowerCount": 268},
        "followerCountsByStaffCountRange": [
            {"followerCounts": {"organicFollowerCount": 6, "paidFollowerCount": 0}, "staffCountRange": "SIZE_1"},
            {"followerCounts": {"organicFollowerCount": 29, "paidFollowerCount": 0},
             "staffCountRange": "SIZE_2_TO_10"},
        ],
    }],
}

API = "https://api.linkedin.com/rest"
WINDOW = (dt.date(2026, 11, 20), dt.date(2026, 11, 21))


def client() -> LinkedInPagesApi:
    return LinkedInPagesApi(ApiAccount("linkedin", "1234567", "Europe/Berlin", {"access_token": "t"}))


def page(endpoint: str, body: dict, fetched_at: dt.datetime) -> RawPage:
    return RawPage(endpoint=endpoint, params={}, status=200, body=body, fetched_at=fetched_at,
                   window_start=WINDOW[0], window_end=WINDOW[1])


def test_the_network_size_sample_is_the_follower_total_of_the_window_end():
    # Pulled 2026-11-22 06:00 UTC = 07:00 in Berlin, the morning after the window: dated 11-21.
    pulled = dt.datetime(2026, 11, 22, 6, tzinfo=dt.UTC)
    result = client().normalise([page(f"{API}/networkSizes/urn%3Ali%3Aorganization%3A1234567",
                                      NETWORK_SIZE_SAMPLE, pulled)])
    assert result.account_daily == [AccountDayValue(dt.date(2026, 11, 21), "followers", "firstDegreeSize", 219145)]
    assert result.notes == []


def test_the_network_size_sample_pulled_days_later_is_not_dated_into_the_window():
    pulled = dt.datetime(2026, 11, 25, 6, tzinfo=dt.UTC)
    result = client().normalise([page(f"{API}/networkSizes/urn%3Ali%3Aorganization%3A1234567",
                                      NETWORK_SIZE_SAMPLE, pulled)])
    assert result.account_daily == []
    assert result.notes == ["linkedin: firstDegreeSize pulled on 2026-11-25 is a current total; not loaded "
                            "into 2026-11-20..2026-11-21"]


def test_the_lifetime_follower_sample_is_not_read_as_daily_gains():
    # A lifetime body has no timeRange: its 33,916 + 268 followers are a total over the page's
    # life, not a day's gain, and the total comes from networkSizes. Nothing lands from it.
    pulled = dt.datetime(2026, 11, 22, 6, tzinfo=dt.UTC)
    result = client().normalise([page(f"{API}/organizationalEntityFollowerStatistics",
                                      LIFETIME_FOLLOWER_SAMPLE, pulled)])
    assert result.account_daily == []
    assert result.notes == []
