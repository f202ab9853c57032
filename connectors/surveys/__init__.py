"""Customer satisfaction survey responses (CSAT, NPS)."""

from connectors.base import Connector, ExportFormats

connector = Connector(platform="surveys", export_formats=ExportFormats("connectors.surveys.exports"))
