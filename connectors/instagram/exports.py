"""Instagram export formats: the Meta Business Suite files shared with Facebook (connectors.meta).

See docs/exports/instagram.md for where each file is downloaded.
"""

from __future__ import annotations

from connectors.base import ExportFormat
from connectors.instagram.settings import SETTINGS
from connectors.meta.business_suite import business_suite_formats

EXPORT_FORMATS: tuple[ExportFormat, ...] = business_suite_formats(SETTINGS)
