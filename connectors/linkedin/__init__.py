"""LinkedIn Pages."""

from connectors.base import ApiClass, Connector
from connectors.linkedin.exports import EXPORT_FORMATS

connector = Connector(platform="linkedin", export_formats=EXPORT_FORMATS,
                      api=ApiClass("connectors.linkedin.api", "LinkedInPagesApi"))
