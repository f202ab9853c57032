"""Customer satisfaction survey responses (CSAT, NPS)."""

from connectors.base import Connector
from connectors.surveys.exports import EXPORT_FORMATS

connector = Connector(platform="surveys", export_formats=EXPORT_FORMATS)
