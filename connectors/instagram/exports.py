"""Instagram export formats: the Meta Business Suite files shared with Facebook (connectors.meta).

See docs/exports/instagram.md for where each file is downloaded.
"""

from __future__ import annotations

from connectors.base import ExportFormat
from connectors.instagram.settings import SETTINGS
from connectors.meta import (
    MetaAudienceFormat,
    MetaCollapsedResaveFormat,
    MetaDailyMetricFormat,
    MetaPostExportFormat,
)

EXPORT_FORMATS: tuple[ExportFormat, ...] = (
    MetaCollapsedResaveFormat(),
    MetaDailyMetricFormat(SETTINGS),
    MetaAudienceFormat(),
    MetaPostExportFormat(SETTINGS),
)
