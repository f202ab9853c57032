"""Facebook Pages."""

from connectors.base import ApiClass, Connector, ExportFormats

connector = Connector(platform="facebook", export_formats=ExportFormats("connectors.facebook.exports"),
                      api=ApiClass("connectors.facebook.api", "FacebookPagesApi"))
