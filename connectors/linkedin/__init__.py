"""LinkedIn Pages."""

from connectors.base import Connector
from connectors.linkedin.api import LinkedInPagesApi
from connectors.linkedin.exports import EXPORT_FORMATS

connector = Connector(platform="linkedin", export_formats=EXPORT_FORMATS, api=LinkedInPagesApi)
