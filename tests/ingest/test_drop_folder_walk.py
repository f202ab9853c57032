"""One walk of the drop folder: export_files and the sensor consider the same entries."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from connectors.base import load_connectors
from ingest.drop_folder import scan_drop_folder, walk_drop_folder
from pipelines.sensors import drop_folder_states


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    exports = tmp_path / "exports"
    for relative in ("x/acme/tweets.csv", "x/acme/.~lock.tweets.csv#", "x/.hidden/a.csv", "x/acme/sub/deep.csv",
                     "_quarantine/x/acme/bad.csv", "_forgotten/x/acme/old.csv", "x/_quarantine/acme.csv",
                     "loose.csv", "myspace/acme/a.csv", "tiktok/acme/overview.csv"):
        (exports / relative).parent.mkdir(parents=True, exist_ok=True)
        (exports / relative).write_text(relative, encoding="utf-8")
    (exports / "x/acme/link.csv").symlink_to(exports / "x/acme/tweets.csv")
    (exports / "x/linked").symlink_to(exports / "tiktok/acme", target_is_directory=True)
    os.mkfifo(exports / "x/acme/pipe.csv")
    return exports


def test_walk_leaves_out_quarantine_forgotten_hidden_and_linked_folders(folder: Path) -> None:
    assert [e.relative.as_posix() for e in walk_drop_folder(folder)] == [
        "loose.csv", "myspace/acme/a.csv", "tiktok/acme/overview.csv", "x/_quarantine/acme.csv",
        "x/acme/link.csv", "x/acme/pipe.csv", "x/acme/sub/deep.csv", "x/acme/tweets.csv"]


def test_ingest_refuses_what_the_sensor_leaves_out_and_both_see_the_same_files(folder: Path) -> None:
    files, refused = scan_drop_folder(folder, load_connectors())
    # only the top-level _quarantine/ is left out: below a platform it is an account folder like any
    assert [f.relative for f in files] == ["tiktok/acme/overview.csv", "x/_quarantine/acme.csv",
                                           "x/acme/tweets.csv"]
    reasons = {r.relative: r.reason for r in refused}
    assert sorted(reasons) == ["loose.csv", "myspace/acme/a.csv", "x/acme/link.csv", "x/acme/pipe.csv",
                               "x/acme/sub/deep.csv"]
    assert "symbolic links" in reasons["x/acme/link.csv"]
    assert "named pipe" in reasons["x/acme/pipe.csv"]
    assert "unknown platform folder 'myspace'" in reasons["myspace/acme/a.csv"]
    # the sensor starts a run for every regular file (export_files then refuses the misplaced ones)
    states = drop_folder_states(folder)
    assert sorted(states) == sorted({*(f.relative for f in files), "loose.csv", "myspace/acme/a.csv",
                                     "x/acme/sub/deep.csv"})
    assert states["x/acme/tweets.csv"][0] == len("x/acme/tweets.csv")


def test_a_missing_folder_is_empty(tmp_path: Path) -> None:
    assert walk_drop_folder(tmp_path / "nowhere") == []
    assert scan_drop_folder(tmp_path / "nowhere", load_connectors()) == ([], [])
