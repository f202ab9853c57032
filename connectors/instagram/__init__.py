"""Instagram professional accounts."""

from connectors.base import ApiClass, Connector, ExportFormats
from connectors.competitors import CompetitorAwareApi

connector = Connector(platform="instagram", export_formats=ExportFormats("connectors.instagram.exports"),
                      api=CompetitorAwareApi(ApiClass("connectors.instagram.api", "InstagramApi"),
                                             ApiClass("connectors.instagram.competitor", "InstagramCompetitorApi")))
