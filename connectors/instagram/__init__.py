"""Instagram professional accounts."""

from connectors.base import Connector
from connectors.competitors import CompetitorAwareApi
from connectors.instagram.api import InstagramApi
from connectors.instagram.competitor import InstagramCompetitorApi
from connectors.instagram.exports import EXPORT_FORMATS

connector = Connector(platform="instagram", export_formats=EXPORT_FORMATS,
                      api=CompetitorAwareApi(InstagramApi, InstagramCompetitorApi))
