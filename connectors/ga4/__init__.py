"""Web analytics (Google Analytics 4) by social source."""

from connectors.base import ApiClass, Connector
from connectors.ga4.exports import EXPORT_FORMATS

connector = Connector(platform="ga4", export_formats=EXPORT_FORMATS,
                      api=ApiClass("connectors.ga4.api", "Ga4DataApi"))
