"""Brand and competitor mention counts (social listening)."""

from connectors.base import Connector
from connectors.mentions.exports import EXPORT_FORMATS

connector = Connector(platform="mentions", export_formats=EXPORT_FORMATS)
