"""TikTok accounts."""

from connectors.base import Connector
from connectors.tiktok.api import TikTokBusinessApi
from connectors.tiktok.exports import EXPORT_FORMATS

connector = Connector(platform="tiktok", export_formats=EXPORT_FORMATS, api=TikTokBusinessApi)
