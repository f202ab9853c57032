"""Brand and competitor mention counts (social listening)."""

from connectors.base import Connector, ExportFormats

connector = Connector(platform="mentions", export_formats=ExportFormats("connectors.mentions.exports"))
