"""Resource limits per file: zip bombs, special files, oversized and slow files are quarantined or
left alone with a reason, and the rest of the run goes on."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from connectors import tables
from connectors.base import Connector, ParsedExport, load_connectors
from ingest import drop_folder as exports_module
from ingest.drop_folder import ingest_drop_folder
from tests.helpers import warehouse

FIXTURES = Path(__file__).parent / "fixtures"
TWEETS = FIXTURES / "tweet_activity_metrics_acme_20161201_20170101_en.csv"
PROJECT = Path(__file__).resolve().parent.parent.parent


def write_xlsx_bomb(path: Path, expanded_bytes: int) -> None:
    """A tiny .xlsx whose one sheet inflates to `expanded_bytes` of rows padded with blanks."""
    row = b"<row><c t=\"inlineStr\"><is><t>boom</t></is></c></row>" + b" " * (1 << 20)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            written = 0
            while written < expanded_bytes:
                sheet.write(row)
                written += len(row)


def test_an_xlsx_that_inflates_past_the_ratio_limit_is_quarantined_before_any_sheet_is_read(tmp_path):
    folder = tmp_path / "exports" / "x" / "acme"
    folder.mkdir(parents=True)
    write_xlsx_bomb(folder / "bomb.xlsx", 64 << 20)
    shutil.copy(TWEETS, folder / TWEETS.name)
    assert (folder / "bomb.xlsx").stat().st_size < 1 << 20
    outcomes = {o.relative.rsplit("/", 1)[1]: o for o in
                ingest_drop_folder(warehouse(), tmp_path / "exports", load_connectors(), {}, "UTC")}
    assert outcomes[TWEETS.name].status == "loaded"
    assert outcomes["bomb.xlsx"].status == "quarantined"
    assert "bomb.xlsx: the .xlsx workbook is compressed" in outcomes["bomb.xlsx"].reason
    assert "which no spreadsheet program writes (the limit is 200 to 1)" in outcomes["bomb.xlsx"].reason


def test_an_xlsx_that_would_expand_past_the_size_limit_is_quarantined(tmp_path, monkeypatch):
    monkeypatch.setattr(tables, "MAX_XLSX_UNCOMPRESSED_BYTES", 1 << 20)
    path = tmp_path / "big.xlsx"
    write_xlsx_bomb(path, 2 << 20)
    with pytest.raises(tables.ExportFileError, match=r"would expand to 2 MiB, over the limit of 1 MiB"):
        tables.read_sheets(path)


def test_a_file_over_the_whole_file_limit_is_quarantined_with_that_reason(tmp_path, monkeypatch):
    monkeypatch.setattr(tables, "MAX_WHOLE_FILE_BYTES", 512)
    folder = tmp_path / "exports" / "x" / "acme"
    folder.mkdir(parents=True)
    shutil.copy(TWEETS, folder / TWEETS.name)  # 769 bytes
    [outcome] = ingest_drop_folder(warehouse(), tmp_path / "exports", load_connectors(), {}, "UTC")
    assert outcome.status == "quarantined"
    assert outcome.reason == (f"{TWEETS.name}: the file is 769 bytes, over the limit of 512 bytes for a file of "
                              "this kind; export a shorter date range (or fewer columns) and drop the smaller "
                              "files instead")


class EndlessFormat:
    """A format whose parser never finishes (as a pathological file can make a real one)."""

    name = "endless"

    def recognise(self, sheets):
        return True

    def parse(self, sheets, ctx) -> ParsedExport:
        while True:
            pass


def test_a_file_that_takes_longer_than_the_time_limit_is_quarantined_and_the_run_goes_on(tmp_path, monkeypatch):
    monkeypatch.setattr(exports_module, "PARSE_TIME_LIMIT_S", 0.2)
    registry = {"slow": Connector(platform="slow", export_formats=[EndlessFormat()])}
    folder = tmp_path / "exports" / "slow" / "a1"
    folder.mkdir(parents=True)
    (folder / "one.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (folder / "two.csv").write_text("a,b\n3,4\n", encoding="utf-8")
    outcomes = ingest_drop_folder(warehouse(), tmp_path / "exports", registry, {}, "UTC")
    assert [(o.relative, o.status) for o in outcomes] == [("slow/a1/one.csv", "quarantined"),
                                                         ("slow/a1/two.csv", "quarantined")]
    assert outcomes[0].reason == ("one.csv: reading the file took longer than the limit of 0 seconds; export a "
                                  "shorter date range and drop the smaller files instead")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes need a POSIX system")
def test_a_named_pipe_is_left_alone_and_reported(tmp_path):
    folder = tmp_path / "exports" / "x" / "acme"
    folder.mkdir(parents=True)
    os.mkfifo(folder / "pipe.csv")
    shutil.copy(TWEETS, folder / TWEETS.name)
    outcomes = {o.relative: o for o in ingest_drop_folder(warehouse(), tmp_path / "exports", load_connectors(),
                                                          {}, "UTC")}
    assert outcomes[f"x/acme/{TWEETS.name}"].status == "loaded"
    assert outcomes["x/acme/pipe.csv"].status == "refused"
    assert outcomes["x/acme/pipe.csv"].reason == ("this is a named pipe (FIFO), not a file: it was left alone and "
                                                  "not opened; copy the export file itself into the folder")
    assert (folder / "pipe.csv").exists()


RUN_INGEST = """
import json, resource, sys
from pathlib import Path
from connectors.base import load_connectors
from tests.helpers import warehouse
from ingest.drop_folder import ingest_drop_folder
outcomes = ingest_drop_folder(warehouse(), Path(sys.argv[1]), load_connectors(), {}, "UTC")
print(json.dumps({"outcomes": {o.relative: [o.status, o.reason] for o in outcomes},
                  "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes need a POSIX system")
def test_a_zip_bomb_and_a_fifo_among_good_files_leave_the_run_whole_and_small(tmp_path):
    """The acceptance case: a 2 GiB zip bomb and a FIFO among good files, in a fresh process whose
    peak memory is measured (printed, and held under 1 GiB)."""
    folder = tmp_path / "exports" / "x" / "acme"
    folder.mkdir(parents=True)
    write_xlsx_bomb(folder / "bomb.xlsx", 2 << 30)
    bomb_size = (folder / "bomb.xlsx").stat().st_size
    os.mkfifo(folder / "pipe.csv")
    shutil.copy(TWEETS, folder / TWEETS.name)
    (tmp_path / "exports" / "x" / "globex").mkdir()
    shutil.copy(FIXTURES / "tweet_activity_metrics_acme_20161201_20170101_en.csv",
                tmp_path / "exports" / "x" / "globex" / "other.csv")
    done = subprocess.run([sys.executable, "-c", RUN_INGEST, str(tmp_path / "exports")], cwd=PROJECT,
                          capture_output=True, text=True, timeout=600, check=True)
    result = json.loads(done.stdout)
    print(f"bomb of {bomb_size:,} bytes declaring 2 GiB + FIFO: "
          f"peak RSS {result['peak_rss_kib'] / 1024:,.0f} MiB")
    statuses = {path: status for path, (status, _) in result["outcomes"].items()}
    assert statuses == {"x/acme/bomb.xlsx": "quarantined", "x/acme/pipe.csv": "refused",
                        f"x/acme/{TWEETS.name}": "loaded", "x/globex/other.csv": "conflict"}
    assert result["peak_rss_kib"] < 1 << 20
