"""Business Profile reviews.list contract: a body with every field of Google's Review resource.

Source (official): https://developers.google.com/my-business/reference/rest/v4/accounts.locations.reviews
(Resource: Review JSON representation: name, reviewId, reviewer{profilePhotoUrl, displayName,
isAnonymous}, starRating enum STAR_RATING_UNSPECIFIED|ONE..FIVE, comment, createTime, updateTime,
reviewReply{comment, updateTime}; timestamps are RFC 3339 with up to nine fractional digits or
an offset, the reference's own examples "2014-10-02T15:01:23.045123456Z" and
"2014-10-02T15:01:23+05:30"). The reference gives the schema, not a filled example: the review
texts and ids below are ours; expected values are worked out by hand.
"""

from __future__ import annotations

import datetime as dt

from connectors.base import ApiAccount, RawPage, ReviewRecord
from connectors.google_business.api import GoogleBusinessReviewsApi

BODY = {
    "reviews": [
        {"name": "accounts/123/locations/456/reviews/r1", "reviewId": "r1",
         "reviewer": {"profilePhotoUrl": "https://lh3.googleusercontent.com/a/p", "displayName": "Ana",
                      "isAnonymous": False},
         "starRating": "FOUR", "comment": "Friendly staff",
         "createTime": "2014-10-02T15:01:23.045123456Z", "updateTime": "2014-10-02T15:01:23.045123456Z",
         "reviewReply": {"comment": "Thank you!", "updateTime": "2014-10-03T09:00:00Z"}},
        {"name": "accounts/123/locations/456/reviews/r2", "reviewId": "r2",
         "reviewer": {"isAnonymous": True},
         "starRating": "STAR_RATING_UNSPECIFIED",
         "createTime": "2014-10-02T15:01:23+05:30", "updateTime": "2014-10-02T15:01:23+05:30"},
    ],
    "averageRating": 4,
    "totalReviewCount": 2,
}


def test_every_review_field_of_the_reference_lands_by_hand():
    api = GoogleBusinessReviewsApi(ApiAccount("google_business", "123", "Europe/Berlin", {},
                                              options={"location_ids": ["456"]}))
    page = RawPage(endpoint="https://mybusiness.googleapis.com/v4/accounts/123/locations/456/reviews", params={},
                   status=200, body=BODY, fetched_at=dt.datetime(2014, 10, 4, tzinfo=dt.UTC),
                   window_start=dt.date(2014, 10, 1), window_end=dt.date(2014, 10, 3))
    result = api.normalise([page])
    assert result.reviews == [
        # nanoseconds are cut to microseconds (Python datetimes hold 6 digits)
        ReviewRecord("r1", "locations/456", dt.datetime(2014, 10, 2, 15, 1, 23, 45123, tzinfo=dt.UTC), 4,
                     "Friendly staff"),
        # +05:30 -> 09:31:23 UTC; unspecified rating and no comment stay NULL
        ReviewRecord("r2", "locations/456", dt.datetime(2014, 10, 2, 9, 31, 23, tzinfo=dt.UTC), None, None),
    ]
    assert result.notes == []
