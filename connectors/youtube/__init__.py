"""YouTube channels."""

from connectors.base import Connector
from connectors.competitors import CompetitorAwareApi
from connectors.youtube.api import YouTubeAnalyticsApi
from connectors.youtube.competitor import YouTubeCompetitorApi
from connectors.youtube.exports import EXPORT_FORMATS

connector = Connector(platform="youtube", export_formats=EXPORT_FORMATS,
                      api=CompetitorAwareApi(YouTubeAnalyticsApi, YouTubeCompetitorApi))
