"""TikTok accounts."""

from connectors.base import ApiClass, Connector, ExportFormats

connector = Connector(platform="tiktok", export_formats=ExportFormats("connectors.tiktok.exports"),
                      api=ApiClass("connectors.tiktok.api", "TikTokBusinessApi"))
