"""Meta Ads (Facebook and Instagram paid media)."""

from connectors.base import ApiClass, Connector
from connectors.meta_ads.exports import EXPORT_FORMATS

connector = Connector(platform="meta_ads", export_formats=EXPORT_FORMATS,
                      api=ApiClass("connectors.meta_ads.api", "MetaAdsApi"))
