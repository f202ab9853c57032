"""Shared test fixtures.

The real export files live beside the checkout in ../shared/fixtures/real-exports (CI has
shared/ beside the clone); tests read them in place and never copy or modify them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
REAL_EXPORTS = PROJECT_ROOT.parent / "shared" / "fixtures" / "real-exports"


@pytest.fixture(scope="session")
def real_exports() -> Path:
    """Folder of the real export files; a clear failure if shared/ is not beside the checkout."""
    if not REAL_EXPORTS.is_dir():
        pytest.fail(f"real export fixtures not found at {REAL_EXPORTS}: check out shared/ beside the project")
    return REAL_EXPORTS
