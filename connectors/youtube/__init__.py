"""YouTube channels."""

from connectors.base import Connector
from connectors.youtube.api import YouTubeAnalyticsApi
from connectors.youtube.exports import EXPORT_FORMATS

connector = Connector(platform="youtube", export_formats=EXPORT_FORMATS, api=YouTubeAnalyticsApi)
