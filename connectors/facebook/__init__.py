"""Facebook Pages."""

from connectors.base import ApiClass, Connector
from connectors.facebook.exports import EXPORT_FORMATS

connector = Connector(platform="facebook", export_formats=EXPORT_FORMATS,
                      api=ApiClass("connectors.facebook.api", "FacebookPagesApi"))
