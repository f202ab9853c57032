"""YouTube channels."""

from connectors.base import ApiClass, Connector
from connectors.competitors import CompetitorAwareApi
from connectors.youtube.exports import EXPORT_FORMATS

connector = Connector(platform="youtube", export_formats=EXPORT_FORMATS,
                      api=CompetitorAwareApi(ApiClass("connectors.youtube.api", "YouTubeAnalyticsApi"),
                                             ApiClass("connectors.youtube.competitor", "YouTubeCompetitorApi")))
