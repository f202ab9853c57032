"""TikTok accounts."""

from connectors.base import ApiClass, Connector
from connectors.tiktok.exports import EXPORT_FORMATS

connector = Connector(platform="tiktok", export_formats=EXPORT_FORMATS,
                      api=ApiClass("connectors.tiktok.api", "TikTokBusinessApi"))
