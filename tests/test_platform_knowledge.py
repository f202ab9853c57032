"""Platform knowledge lives in the platform's folder: the shared HTTP and OAuth layer and the
landing package name no platform, so adding or changing one touches none of them."""

from __future__ import annotations

import re
from pathlib import Path

from connectors.base import load_connectors
from tests.corpus import PROJECT_ROOT

SHARED = [PROJECT_ROOT / "connectors" / "http.py", PROJECT_ROOT / "connectors" / "oauth.py",
          *sorted((PROJECT_ROOT / "ingest").glob("*.py"))]
# brands whose name is not a registered platform (Meta Ads, Google Business, the X of old)
BRANDS = {"meta", "google", "twitter", "tweet", "tweets"}


def platform_mentions(path: Path) -> list[str]:
    """`file:line: text` for every line of `path` that names a platform."""
    names = (set(load_connectors()) - {"x"}) | BRANDS
    by_name = re.compile(rf"\b({'|'.join(sorted(names))})\b", re.IGNORECASE)
    x_platform = re.compile(r"\bX\b")  # "x" is too common a letter: only the capital name counts
    return [f"{path.relative_to(PROJECT_ROOT)}:{number}: {line.strip()}"
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
            if by_name.search(line) or x_platform.search(line)]


def test_the_shared_http_oauth_and_landing_code_names_no_platform() -> None:
    found = [hit for path in SHARED for hit in platform_mentions(path)]
    assert found == [], "platform knowledge belongs in connectors/<platform>/:\n" + "\n".join(found)


def test_the_check_finds_platform_names_where_they_belong() -> None:
    """The search itself works: it finds the hooks in the platforms' folders."""
    assert any("Meta throttles" in hit for hit in platform_mentions(PROJECT_ROOT / "connectors/meta/graph.py"))
    assert any("X API v2" in hit for hit in platform_mentions(PROJECT_ROOT / "connectors/x/http_hooks.py"))
    assert any("Google" in hit for hit in platform_mentions(PROJECT_ROOT / "connectors/google.py"))
    assert len(SHARED) >= 6  # http.py, oauth.py and the ingest modules
