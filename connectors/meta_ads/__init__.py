"""Meta Ads (Facebook and Instagram paid media)."""

from connectors.base import ApiClass, Connector, ExportFormats

connector = Connector(platform="meta_ads", export_formats=ExportFormats("connectors.meta_ads.exports"),
                      api=ApiClass("connectors.meta_ads.api", "MetaAdsApi"))
