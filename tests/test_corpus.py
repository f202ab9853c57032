"""The corpus rule: present -> used; absent -> skip locally, fail under CI."""

from pathlib import Path

import pytest

from tests.corpus import CORPUS_ENV, CorpusMissing, ci_requires_corpus, locate_corpus


def test_present_corpus_is_used(tmp_path):
    assert locate_corpus({}, default=tmp_path) == tmp_path
    other = tmp_path / "elsewhere"
    other.mkdir()
    assert locate_corpus({CORPUS_ENV: str(other), "CI": "true"}, default=tmp_path / "nope") == other


def test_missing_corpus_is_a_skip_locally(tmp_path):
    with pytest.raises(CorpusMissing) as info:
        locate_corpus({}, default=tmp_path / "missing")
    assert not info.value.required
    assert str(tmp_path / "missing") in str(info.value)


@pytest.mark.parametrize("value", ["true", "1", "TRUE", "yes"])
def test_missing_corpus_is_required_under_ci(tmp_path, value):
    with pytest.raises(CorpusMissing) as info:
        locate_corpus({"CI": value}, default=tmp_path / "missing")
    assert info.value.required
    assert "CI is set" in str(info.value)


@pytest.mark.parametrize("value", ["", "0", "false", "no"])
def test_ci_values_that_mean_a_local_run(value):
    assert not ci_requires_corpus({"CI": value})


def test_fixture_outcomes_in_a_clone_without_corpus(pytester_like_clone):
    """A test using real_exports in a folder with no shared/ beside it: skipped, or failed under CI."""
    (local_rc, local), (ci_rc, ci) = pytester_like_clone
    assert local_rc == 0 and "1 skipped" in local and "real-export corpus not found" in local
    assert ci_rc == 1 and "1 error" in ci and "CI is set" in ci


@pytest.fixture
def pytester_like_clone(tmp_path):
    """Copy tests/conftest.py and tests/corpus.py into a bare project and run pytest there twice."""
    import os
    import shutil
    import subprocess
    import sys

    root = tmp_path / "clone" / "socialkpi"
    (root / "tests").mkdir(parents=True)
    here = Path(__file__).parent
    for name in ("conftest.py", "corpus.py"):
        shutil.copy(here / name, root / "tests" / name)
    (root / "tests" / "__init__.py").write_text("")
    (root / "tests" / "test_uses_corpus.py").write_text(
        "def test_reads(real_exports):\n    assert real_exports.is_dir()\n")
    outputs = []
    for ci in ("", "true"):
        env = {k: v for k, v in os.environ.items() if k not in ("CI", CORPUS_ENV)}
        if ci:
            env["CI"] = ci
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
                               "--rootdir", str(root), str(root / "tests")],
                              cwd=root, env=env, capture_output=True, text=True, timeout=120)
        outputs.append((done.returncode, done.stdout + done.stderr))
    return outputs[0], outputs[1]
