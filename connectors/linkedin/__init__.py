"""LinkedIn Pages."""

from connectors.base import ApiClass, Connector, ExportFormats

connector = Connector(platform="linkedin", export_formats=ExportFormats("connectors.linkedin.exports"),
                      api=ApiClass("connectors.linkedin.api", "LinkedInPagesApi"))
