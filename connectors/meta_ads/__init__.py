"""Meta Ads (Facebook and Instagram paid media)."""

from connectors.base import Connector
from connectors.meta_ads.api import MetaAdsApi
from connectors.meta_ads.exports import EXPORT_FORMATS

connector = Connector(platform="meta_ads", export_formats=EXPORT_FORMATS, api=MetaAdsApi)
