"""Shared test fixtures.

The real export files (the corpus) live beside the checkout in ../shared/fixtures/real-exports;
tests read them in place and never copy or modify them. Without the corpus those tests skip
with the reason, except under CI, where they fail (tests/corpus.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.corpus import PROJECT_ROOT, CorpusMissing, locate_corpus

__all__ = ["PROJECT_ROOT", "real_exports"]


@pytest.fixture(scope="session")
def real_exports() -> Path:
    """Folder of the real export files; a visible skip without it, a failure under CI."""
    try:
        return locate_corpus()
    except CorpusMissing as exc:
        if exc.required:
            pytest.fail(str(exc), pytrace=False)
        pytest.skip(str(exc))
