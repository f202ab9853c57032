"""X (formerly Twitter)."""

from connectors.base import ApiClass, Connector
from connectors.competitors import CompetitorAwareApi
from connectors.x.exports import EXPORT_FORMATS

connector = Connector(platform="x", aliases=('twitter',), export_formats=EXPORT_FORMATS,
                      api=CompetitorAwareApi(ApiClass("connectors.x.api", "XApi"),
                                             ApiClass("connectors.x.competitor", "XCompetitorApi")))
