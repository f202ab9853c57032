"""Facebook Pages."""

from connectors.base import Connector
from connectors.facebook.api import FacebookPagesApi
from connectors.facebook.exports import EXPORT_FORMATS

connector = Connector(platform="facebook", export_formats=EXPORT_FORMATS, api=FacebookPagesApi)
