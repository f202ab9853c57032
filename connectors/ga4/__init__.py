"""Web analytics (Google Analytics 4) by social source."""

from connectors.base import ApiClass, Connector, ExportFormats

connector = Connector(platform="ga4", export_formats=ExportFormats("connectors.ga4.exports"),
                      api=ApiClass("connectors.ga4.api", "Ga4DataApi"))
