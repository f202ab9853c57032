"""X (formerly Twitter)."""

from connectors.base import ApiClass, Connector, ExportFormats
from connectors.competitors import CompetitorAwareApi

connector = Connector(platform="x", aliases=('twitter',), export_formats=ExportFormats("connectors.x.exports"),
                      api=CompetitorAwareApi(ApiClass("connectors.x.api", "XApi"),
                                             ApiClass("connectors.x.competitor", "XCompetitorApi")))
