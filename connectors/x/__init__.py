"""X (formerly Twitter)."""

from connectors.base import Connector
from connectors.competitors import CompetitorAwareApi
from connectors.x.api import XApi
from connectors.x.competitor import XCompetitorApi
from connectors.x.exports import EXPORT_FORMATS

connector = Connector(platform="x", aliases=('twitter',), export_formats=EXPORT_FORMATS,
                      api=CompetitorAwareApi(XApi, XCompetitorApi))
