"""Where the real-export corpus is, and what a test run does when it is not there.

The corpus (../shared/fixtures/real-exports, third-party files we may not redistribute) sits
beside a CI checkout but not beside a fresh clone. Each quirk it shows also has a small fixture
written for this project under tests/, so the corpus tests are a second line: they run when the
corpus is present, skip visibly (with the reason) when it is not, and fail when `CI` is set,
because a CI run without the corpus would silently test less.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = PROJECT_ROOT.parent / "shared" / "fixtures" / "real-exports"
CORPUS_ENV = "SOCIALKPI_REAL_EXPORTS"  # another location of the corpus


class CorpusMissing(Exception):
    """The corpus is not there; `required` says whether that fails the run (CI) or skips."""

    def __init__(self, message: str, required: bool) -> None:
        super().__init__(message)
        self.required = required


def ci_requires_corpus(env: Mapping[str, str]) -> bool:
    """CI providers set CI to "true"/"1"; an empty value or "false"/"0" means a local run."""
    return env.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def locate_corpus(env: Mapping[str, str] = os.environ, default: Path = DEFAULT_CORPUS) -> Path:
    """The corpus folder, or CorpusMissing saying where it was looked for and what to do."""
    folder = Path(env[CORPUS_ENV]) if env.get(CORPUS_ENV) else default
    if folder.is_dir():
        return folder
    required = ci_requires_corpus(env)
    message = (f"real-export corpus not found at {folder} (check out shared/ beside the project "
               f"or set {CORPUS_ENV})")
    if required:
        message += "; CI is set, so the corpus tests are required"
    raise CorpusMissing(message, required)
