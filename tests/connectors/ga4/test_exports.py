"""GA4 Traffic acquisition CSV: the sample docs/templates/ga4_traffic_acquisition.csv and variants.

Expected per-platform sums were worked out by hand and re-checked with a separate csv-module
script (not the parser): see the table in test_sample_file.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from connectors.base import ExportContext, ExportFileError, ParsedExport
from connectors.ga4 import connector
from connectors.ga4.exports import Ga4TrafficAcquisition
from connectors.ga4.settings import platform_of
from connectors.tables import read_sheets

SAMPLE = Path(__file__).resolve().parents[3] / "docs" / "templates" / "ga4_traffic_acquisition.csv"
COMMENTS = "# ----------------------------------------\n# Traffic acquisition: Session source\n# \n"


def parse_file(path: Path) -> ParsedExport:
    sheets = read_sheets(path)
    fmt = connector.recognise(sheets)
    assert fmt is not None, f"{path.name} not recognised"
    return fmt.parse(sheets, ExportContext(path, "ga4", "example.com", "Europe/London", dt.date(2026, 3, 3)))


def table(parsed: ParsedExport) -> dict[tuple[dt.date, str], dict[str, float | None]]:
    out: dict[tuple[dt.date, str], dict[str, float | None]] = {}
    for value in parsed.web_daily:
        out.setdefault((value.date, value.platform), {})[value.metric] = value.value
    return out


def test_sample_file() -> None:
    parsed = parse_file(SAMPLE)
    d1, d2 = dt.date(2026, 3, 1), dt.date(2026, 3, 2)
    # (sessions, bounced = sessions - engaged, key events, revenue) per platform and day:
    # facebook 03-01 = facebook.com 97/41 + m.facebook.com 160/52 + l.facebook.com 64/30, etc.
    expected = {
        (d1, "facebook"): (321, 198, 3, 59.9), (d1, "instagram"): (160, 93, 1, 24.0),
        (d1, "x"): (45, 33, 0, 0.0), (d1, "linkedin"): (40, 12, 1, 89.0),
        (d2, "facebook"): (268, 167, 3, 83.5), (d2, "instagram"): (150, 91, 1, 19.9),
        (d2, "x"): (60, 42, 1, 12.0), (d2, "youtube"): (23, 12, 0, 0.0),
        (d2, "tiktok"): (17, 12, 0, 0.0), (d2, "linkedin"): (28, 9, 0, 0.0),
    }
    got = table(parsed)
    assert set(got) == set(expected)
    for key, (sessions, bounced, conversions, revenue) in expected.items():
        assert got[key] == {"sessions": sessions, "bounced_sessions": bounced, "conversions": conversions,
                            "revenue": pytest.approx(revenue)}, key
    assert len(parsed.web_daily) == 10 * 4
    assert parsed.covers == (d1, d2)  # from "# Start date: 20260301" / "# End date: 20260302"
    sources = {v.metric: v.source_metric for v in parsed.web_daily}
    assert sources == {"sessions": "Sessions", "bounced_sessions": "Sessions - Engaged sessions",
                       "conversions": "Key events", "revenue": "Total revenue"}
    # google 940 + 1012, (direct) 455 + 430, newsletter 77 = 2914 sessions left out.
    assert any(n.startswith("ignored 2914 sessions from 3 sources that are not social platforms: google (1952)")
               for n in parsed.notes)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "ga4.csv"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("rate", ["0.455", "45.5%"])
def test_bounce_rate_instead_of_engaged_sessions(tmp_path: Path, rate: str) -> None:
    # Older layout: "Session source", "Conversions", "Bounce rate". 200 x 0.455 = 91 bounced.
    path = write(tmp_path, COMMENTS + "Date,Session source,Sessions,Bounce rate,Conversions,Total revenue\n"
                 f"20260301,facebook,200,{rate},4,10.5\n20260301,fb,0,0,0,0\n")
    parsed = parse_file(path)
    assert table(parsed) == {(dt.date(2026, 3, 1), "facebook"): {
        "sessions": 200, "bounced_sessions": 91, "conversions": 4, "revenue": 10.5}}
    assert {v.source_metric for v in parsed.web_daily if v.metric == "bounced_sessions"} == {
        "Sessions x Bounce rate"}
    assert parsed.covers == (dt.date(2026, 3, 1), dt.date(2026, 3, 1))  # no "# Start date" lines


def test_missing_value_leaves_the_platform_day_unknown(tmp_path: Path) -> None:
    path = write(tmp_path, "Session source / medium,Date,Sessions,Engaged sessions\n"
                 "t.co / referral,20260301,10,4\nx.com / referral,20260301,,\n")
    assert table(parse_file(path)) == {(dt.date(2026, 3, 1), "x"): {"sessions": None, "bounced_sessions": None}}


def test_totals_row_without_date_is_dropped(tmp_path: Path) -> None:
    path = write(tmp_path, "Session source,Date,Sessions\nGrand total,,120\n,,120\ninstagram,20260301,12\n")
    parsed = parse_file(path)
    assert table(parsed) == {(dt.date(2026, 3, 1), "instagram"): {"sessions": 12}}
    dropped = [n for n in parsed.notes if n.startswith("dropped")]
    assert dropped == ["dropped the totals row 2", "dropped the totals row 3"]


def test_only_the_first_table_is_read(tmp_path: Path) -> None:
    path = write(tmp_path, "Session source,Date,Sessions\nlinkedin.com,20260301,7\n\n"
                 "# ----------------------------------------\nNth day,Sessions\n0000,7\n")
    parsed = parse_file(path)
    assert table(parsed) == {(dt.date(2026, 3, 1), "linkedin"): {"sessions": 7}}
    assert "no Engaged sessions or Bounce rate column: bounced_sessions not reported" in parsed.notes


@pytest.mark.parametrize(("text", "row", "column", "message"), [
    ("Session source / medium,Sessions\nfacebook.com / referral,5\n", None, "Session source / medium",
     "no Date column"),
    ("Session source,Date,Sessions,Engaged sessions\nfacebook,20260301,5,6\n", 2, "Engaged sessions",
     "more engaged sessions (6) than sessions (5)"),
    ("Session source,Date,Sessions\nfacebook,03/01/2026,5\n", 2, "Date", "not a GA4 date"),
    ("Session source,Date,Sessions\nfacebook,,5\n", 2, "Date", "not a GA4 date"),
    ("Session source,Date,Sessions\nfacebook,20260301,five\n", 2, "Sessions", "not a number"),
    ("Session source,Date,Sessions,Bounce rate\nfacebook,20260301,5,1.5\n", 2, "Bounce rate",
     "not between 0 and 1"),
])
def test_bad_values(tmp_path: Path, text: str, row: int | None, column: str, message: str) -> None:
    with pytest.raises(ExportFileError) as caught:
        parse_file(write(tmp_path, COMMENTS + text))
    expected_row = None if row is None else row + 3  # three comment lines above the header
    assert (caught.value.row, caught.value.column) == (expected_row, column)
    assert message in caught.value.reason


@pytest.mark.parametrize(("source", "platform"), [
    ("facebook.com", "facebook"), ("m.facebook.com", "facebook"), ("l.facebook.com", "facebook"),
    ("lm.facebook.com", "facebook"), ("web.facebook.com", "facebook"), ("www.facebook.com", "facebook"),
    ("Facebook", "facebook"), ("instagram.com", "instagram"), ("l.instagram.com", "instagram"),
    ("ig", "instagram"), ("t.co", "x"), ("x.com", "x"), ("twitter.com", "x"), ("mobile.twitter.com", "x"),
    ("linkedin.com", "linkedin"), ("lnkd.in", "linkedin"), ("youtube.com", "youtube"),
    ("m.youtube.com", "youtube"), ("tiktok.com", "tiktok"), ("vm.tiktok.com", "tiktok"),
    ("google", None), ("(direct)", None), ("notfacebook.com", None), ("facebook.com.evil.example", None),
    ("bing", None), ("", None),
])
def test_platform_of(source: str, platform: str | None) -> None:
    assert platform_of(source) == platform


@pytest.mark.parametrize("sheets", [
    {}, {"": [[]]}, {"": [["# only comments"], ["# Start date: 20260301"]]},
    {"": [["Session primary channel group (Default Channel Group)", "Sessions"], ["Direct", "5"]]},
    {"": [["Reporting starts", "Campaign name", "Amount spent (USD)"]]},
])
def test_recognise_rejects_other_tables(sheets: dict) -> None:
    assert Ga4TrafficAcquisition().recognise(sheets) is False
