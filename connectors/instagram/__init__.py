"""Instagram professional accounts."""

from connectors.base import ApiClass, Connector
from connectors.competitors import CompetitorAwareApi
from connectors.instagram.exports import EXPORT_FORMATS

connector = Connector(platform="instagram", export_formats=EXPORT_FORMATS,
                      api=CompetitorAwareApi(ApiClass("connectors.instagram.api", "InstagramApi"),
                                             ApiClass("connectors.instagram.competitor", "InstagramCompetitorApi")))
