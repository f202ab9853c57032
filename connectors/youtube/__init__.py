"""YouTube channels."""

from connectors.base import ApiClass, Connector, ExportFormats
from connectors.competitors import CompetitorAwareApi

connector = Connector(platform="youtube", export_formats=ExportFormats("connectors.youtube.exports"),
                      api=CompetitorAwareApi(ApiClass("connectors.youtube.api", "YouTubeAnalyticsApi"),
                                             ApiClass("connectors.youtube.competitor", "YouTubeCompetitorApi")))
