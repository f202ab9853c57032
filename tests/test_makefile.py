"""`make ui` before `make demo`: a message saying what to run, not a traceback."""

import shutil
import subprocess

import pytest

from tests.corpus import PROJECT_ROOT


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_ui_before_make_demo_says_what_to_run(tmp_path):
    # -o: treat the install targets as up to date (the test runs inside an installed venv)
    done = subprocess.run(["make", "-s", "-C", str(PROJECT_ROOT), "-o", "install", "-o", ".venv/bin/socialkpi",
                           "ui", f"DEMO_DIR={tmp_path / 'no-demo'}"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert f"No demo yet in {tmp_path / 'no-demo'}: run `make demo` first" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr
