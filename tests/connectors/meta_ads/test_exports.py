"""Meta Ads Manager table export -> ads_daily.

No real export is public (platform-apis.md §9.7), so the fixtures follow the layout documented
there: fixtures/ads_manager_daily_en_formatted.csv is an English "Export formatted" CSV with the
account totals row first; the localized and .xlsx variants are written by the tests. Expected
sums are worked out by hand in the comments.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from connectors.base import ExportContext, ExportFileError, ParsedExport
from connectors.meta_ads import connector
from connectors.meta_ads.exports import MetaAdsManagerExport, decimal_mark_of
from connectors.tables import read_sheets

FIXTURES = Path(__file__).parent / "fixtures"
LEADS = "120210000000000001"
TRAFFIC = "120210000000000002"


def context(path: Path) -> ExportContext:
    return ExportContext(path=path, platform="meta_ads", account_id="act_1", timezone="Europe/Paris",
                         export_date=dt.date(2026, 9, 5))


def parse_file(path: Path) -> ParsedExport:
    sheets = read_sheets(path)
    fmt = connector.recognise(sheets)
    assert fmt is not None, f"{path.name} not recognised"
    return fmt.parse(sheets, context(path))


def values(parsed: ParsedExport, metric: str, campaign_id: str | None = None) -> list[float | None]:
    return [v.value for v in parsed.ads_daily
            if v.metric == metric and (campaign_id is None or v.campaign_id == campaign_id)]


def known_sum(items: list[float | None]) -> float:
    return sum(v for v in items if v is not None)


# ---------------------------------------------------------------------------------------------
# English formatted CSV: totals row + 2 campaigns x 3 days, Campaign ID, Link clicks and
# Clicks (all), Results with Result indicator.
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def english() -> ParsedExport:
    return parse_file(FIXTURES / "ads_manager_daily_en_formatted.csv")


def test_english_formatted_export(english: ParsedExport) -> None:
    assert len(english.ads_daily) == 6 * 5  # 6 campaign-days x spend/impressions/reach/clicks/conversions
    assert english.covers == (dt.date(2026, 9, 1), dt.date(2026, 9, 3))
    assert {v.currency for v in english.ads_daily} == {"USD"}  # from "Amount spent (USD)"
    assert {(v.campaign_id, v.campaign_name) for v in english.ads_daily} == {
        (LEADS, "Leads - Autumn Offer"), (TRAFFIC, "Traffic - Blog")}
    # "1,028.15" + "312.40" + "1,102.60" + "298.90" + "987.25" + "557.60" = 4286.90 (= totals row)
    assert known_sum(values(english, "spend")) == pytest.approx(4286.90)
    assert known_sum(values(english, "spend", LEADS)) == pytest.approx(3118.00)
    # 80,210 + 25,400 + 85,944 + 24,105 + 77,390 + 25,901
    assert known_sum(values(english, "impressions")) == 318950
    # clicks are "Link clicks" (702 + 655 + 731 + 612 + 688 + 769), not "Clicks (all)" (5,255)
    assert known_sum(values(english, "clicks")) == 4157
    assert {v.source_metric for v in english.ads_daily if v.metric == "clicks"} == {"Link clicks"}
    # Reach of Leads on 2026-09-03 is empty: None, not 0; the others sum to 166,287.
    assert values(english, "reach").count(None) == 1
    assert known_sum(values(english, "reach")) == 166287
    # Leads results are lead conversions (41 + 38 + 44); Traffic "Results" are link clicks.
    assert values(english, "conversions", LEADS) == [41, 38, 44]
    assert values(english, "conversions", TRAFFIC) == [None, None, None]


def test_english_export_notes_its_quirks(english: ParsedExport) -> None:
    assert "dropped the totals row(s) [2] (empty campaign name)" in english.notes
    assert ("'Results' count actions:link_click (3 rows), not conversions: conversions left NULL there"
            in english.notes)
    assert "numbers read with '.' as decimal mark" in english.notes


def test_one_value_per_campaign_day_and_metric(english: ParsedExport) -> None:
    sept_2 = {(v.campaign_id, v.metric): v.value for v in english.ads_daily if v.date == dt.date(2026, 9, 2)}
    assert sept_2 == {
        (LEADS, "spend"): 1102.60, (LEADS, "impressions"): 85944, (LEADS, "reach"): 55012,
        (LEADS, "clicks"): 731, (LEADS, "conversions"): 38,
        (TRAFFIC, "spend"): 298.90, (TRAFFIC, "impressions"): 24105, (TRAFFIC, "reach"): 18990,
        (TRAFFIC, "clicks"): 612, (TRAFFIC, "conversions"): None,
    }


# ---------------------------------------------------------------------------------------------
# Localized headers and number formats. Same 4 rows in every language:
#   2026-03-01 Rebajas Primavera 1028.15 EUR, 80210 impr., 52300 reach, 702 clicks, 41 results
#   2026-03-01 Marca               312.40     25400        19870        655         12
#   2026-03-02 Rebajas Primavera 1102.60      85944        55012        731         38
#   2026-03-02 Marca               298.90     24105        18990        612          9
# Sums: spend 2742.05, impressions 215659, reach 146172, clicks 2700, conversions 100.
# ---------------------------------------------------------------------------------------------

ROWS = [
    ("2026-03-01", "Rebajas Primavera", 1028.15, 80210, 52300, 702, 41),
    ("2026-03-01", "Marca", 312.40, 25400, 19870, 655, 12),
    ("2026-03-02", "Rebajas Primavera", 1102.60, 85944, 55012, 731, 38),
    ("2026-03-02", "Marca", 298.90, 24105, 18990, 612, 9),
]
HEADERS = {
    "en": ["Reporting starts", "Reporting ends", "Campaign name", "Amount spent (EUR)", "Impressions",
           "Reach", "Link clicks", "Results"],
    "es": ["Inicio del informe", "Fin del informe", "Nombre de la campaña", "Importe gastado (EUR)",
           "Impresiones", "Alcance", "Clics en el enlace", "Resultados"],
    "fr": ["Début des rapports", "Fin des rapports", "Nom de la campagne", "Montant dépensé (EUR)",
           "Impressions", "Couverture", "Clics sur un lien", "Résultats"],
    "de": ["Berichtsbeginn", "Berichtsende", "Kampagnenname", "Ausgegebener Betrag (EUR)", "Impressionen",
           "Reichweite", "Link-Klicks", "Ergebnisse"],
    "de-alt": ["Berichtsbeginn", "Berichtsende", "Kampagnenname", "Betrag ausgegeben (EUR)", "Impressionen",
               "Reichweite", "Klicks (alle)", "Ergebnisse"],
}
# "Export formatted" number styles: thousands separator, decimal mark.
STYLES = {"en": (",", "."), "es": (".", ","), "fr": ("\u202f", ","), "de": (".", ","), "de-alt": ("", ",")}


def formatted(value: float, language: str, decimals: int) -> str:
    thousands, decimal = STYLES[language]
    text = f"{value:,.{decimals}f}"  # 1,028.15
    return text.replace(",", "\x00").replace(".", decimal).replace("\x00", thousands)


def localized_csv(path: Path, language: str, delimiter: str) -> Path:
    lines = [delimiter.join(f'"{h}"' for h in HEADERS[language])]
    for date, name, spend, impressions, reach, clicks, results in ROWS:
        cells = [date, date, name, formatted(spend, language, 2), formatted(impressions, language, 0),
                 formatted(reach, language, 0), formatted(clicks, language, 0), str(results)]
        lines.append(delimiter.join(f'"{c}"' for c in cells))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    return path


@pytest.mark.parametrize(("language", "delimiter"), [
    ("en", ","), ("es", ","), ("fr", ";"), ("de", ";"), ("de-alt", ","),
])
def test_localized_headers_and_number_formats(tmp_path: Path, language: str, delimiter: str) -> None:
    parsed = parse_file(localized_csv(tmp_path / f"export_{language}.csv", language, delimiter))
    assert len(parsed.ads_daily) == 4 * 5
    assert known_sum(values(parsed, "spend")) == pytest.approx(2742.05)
    assert known_sum(values(parsed, "impressions")) == 215659
    assert known_sum(values(parsed, "reach")) == 146172
    assert known_sum(values(parsed, "clicks")) == 2700
    assert known_sum(values(parsed, "conversions")) == 100
    assert values(parsed, "spend", "Marca") == [pytest.approx(312.40), pytest.approx(298.90)]
    assert {v.currency for v in parsed.ads_daily} == {"EUR"}
    # No Campaign ID column: the name is the campaign id, and the file says so.
    assert {v.campaign_id for v in parsed.ads_daily} == {"Rebajas Primavera", "Marca"}
    assert any(note.startswith("no Campaign ID column") for note in parsed.notes)
    assert parsed.covers == (dt.date(2026, 3, 1), dt.date(2026, 3, 2))


@pytest.mark.parametrize(("header", "spend", "impressions"), [
    # No cell shows a decimal mark (whole amounts): "1.028" is 1028 in a German export...
    ('"Berichtsbeginn";"Berichtsende";"Kampagnenname";"Ausgegebener Betrag (EUR)";"Impressionen"',
     "1.028", "80.210"),
    # ...and "1,028" is 1028 in an English one.
    ('"Reporting starts";"Reporting ends";"Campaign name";"Amount spent (EUR)";"Impressions"',
     "1,028", "80,210"),
], ids=["de", "en"])
def test_whole_amounts_fall_back_to_the_languages_decimal_mark(tmp_path: Path, header: str, spend: str,
                                                               impressions: str) -> None:
    path = tmp_path / "whole.csv"
    path.write_text(f'{header}\n"2026-03-01";"2026-03-01";"Marca";"{spend}";"{impressions}"\n', encoding="utf-8")
    parsed = parse_file(path)
    assert {v.metric: v.value for v in parsed.ads_daily} == {"spend": 1028, "impressions": 80210}


# ---------------------------------------------------------------------------------------------
# XLSX export at ad set level with a Day column: numeric and date cells, several rows per
# campaign and day.
# ---------------------------------------------------------------------------------------------


def test_xlsx_ad_set_rows_are_summed_per_campaign_and_day(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Raw Data Report"
    sheet.append(["Day", "Campaign name", "Campaign ID", "Ad set name", "Amount spent (GBP)", "Impressions",
                  "Reach", "Clicks (all)", "Results", "Result indicator", "Reporting starts", "Reporting ends"])
    start, end = dt.datetime(2026, 5, 1), dt.datetime(2026, 5, 31)  # report range; Day gives the day
    sheet.append([dt.datetime(2026, 5, 4), "Summer", "23851000000000001", "London", 40.5, 3000, 2100, 95, 4,
                  "actions:offsite_conversion.fb_pixel_purchase", start, end])
    sheet.append([dt.datetime(2026, 5, 4), "Summer", "23851000000000001", "Leeds", 19.25, 1400, 1000, 30, "",
                  "actions:offsite_conversion.fb_pixel_purchase", start, end])
    sheet.append([dt.datetime(2026, 5, 5), "Summer", "23851000000000001", "London", 38, 2800, 1990, 88, 3,
                  "actions:offsite_conversion.fb_pixel_purchase", start, end])
    path = tmp_path / "ads.xlsx"
    book.save(path)

    parsed = parse_file(path)
    day_4 = {v.metric: v.value for v in parsed.ads_daily if v.date == dt.date(2026, 5, 4)}
    assert day_4 == {
        "spend": pytest.approx(40.5 + 19.25),
        "impressions": 3000 + 1400,
        "reach": None,  # unique people of two ad sets do not add up
        "clicks": 95 + 30,  # "Clicks (all)": the export has no "Link clicks"
        "conversions": None,  # one ad set's Results is empty: the campaign total is unknown
    }
    day_5 = {v.metric: v.value for v in parsed.ads_daily if v.date == dt.date(2026, 5, 5)}
    assert day_5 == {"spend": 38, "impressions": 2800, "reach": 1990, "clicks": 88, "conversions": 3}
    assert {v.currency for v in parsed.ads_daily} == {"GBP"}
    assert {v.campaign_id for v in parsed.ads_daily} == {"23851000000000001"}
    assert parsed.covers == (dt.date(2026, 5, 4), dt.date(2026, 5, 5))
    assert any(note.startswith("summed 1 campaign-days reported on several rows") for note in parsed.notes)
    assert "clicks from 'Clicks (all)'" in parsed.notes


# ---------------------------------------------------------------------------------------------
# Recognition and bad input
# ---------------------------------------------------------------------------------------------

HEADER = '"Reporting starts","Reporting ends","Campaign name","Campaign ID","Amount spent (USD)","Impressions"'


@pytest.mark.parametrize(("row", "line", "column", "message"), [
    ('"2026-09-01","2026-09-30","Leads","1","924.16","49434"', 2, "Reporting ends",
     "the row covers 2026-09-01 to 2026-09-30: the export must use a daily breakdown "
     "(Ads Manager: Breakdown -> By time -> Day)"),
    ('"09/01/2026","09/01/2026","Leads","1","924.16","49434"', 2, "Reporting starts", "not a YYYY-MM-DD date"),
    ('"2026-09-01","2026-09-01","Leads","1.20253E+17","924.16","49434"', 2, "Campaign ID",
     "rounded by a spreadsheet"),
    ('"2026-09-01","2026-09-01","Leads","","924.16","49434"', 2, "Campaign ID", "campaign id is empty"),
    ('"2026-09-01","2026-09-01","Leads","1","924.16 USD","49434"', 2, "Amount spent (USD)", "not a number"),
], ids=["multi-day-row", "us-date", "rounded-id", "missing-id", "unit-in-number"])
def test_bad_rows_name_row_and_column(tmp_path: Path, row: str, line: int, column: str, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(f"{HEADER}\n{row}\n", encoding="utf-8")
    with pytest.raises(ExportFileError) as caught:
        parse_file(path)
    assert (caught.value.row, caught.value.column) == (line, column)
    assert message in caught.value.reason
    assert str(caught.value).startswith("bad.csv, row ")


def test_mixed_decimal_marks_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    path.write_text(f'{HEADER}\n"2026-09-01","2026-09-01","A","1","1,028.15","10"\n'
                    f'"2026-09-01","2026-09-01","B","2","312,40","10"\n', encoding="utf-8")
    with pytest.raises(ExportFileError, match="numbers use both") as caught:
        parse_file(path)
    assert (caught.value.row, caught.value.column) == (3, "Amount spent (USD)")


def test_reporting_starts_without_ends_or_day_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "no_end.csv"
    path.write_text('"Reporting starts","Campaign name","Amount spent (USD)"\n"2026-09-01","A","1.50"\n')
    with pytest.raises(ExportFileError, match="Breakdown -> By time -> Day"):
        parse_file(path)


def test_placeholders_are_none_not_zero(tmp_path: Path) -> None:
    path = tmp_path / "placeholders.csv"
    path.write_text('"Reporting starts","Reporting ends","Campaign name","Amount spent (USD)","Reach","Results"\n'
                    '"2026-09-01","2026-09-01","A","0.00","-",""\n', encoding="utf-8")
    parsed = parse_file(path)
    assert {v.metric: v.value for v in parsed.ads_daily} == {"spend": 0.0, "reach": None, "conversions": None}


@pytest.mark.parametrize("sheets", [
    {},
    {"": [[]]},
    {"": [["Campaign name", "Amount spent (USD)"], ["A", "1"]]},  # no reporting date or Day column
    {"": [["Date", "Impressions (total)"], ["04/01/2020", "3"]]},  # LinkedIn
    {"": [["Session source / medium", "Date", "Sessions"]]},  # GA4
])
def test_recognise_rejects_other_tables_without_raising(sheets: dict) -> None:
    assert MetaAdsManagerExport().recognise(sheets) is False


@pytest.mark.parametrize(("text", "mark"), [
    ("3,084.40", "."), ("3.084,40", ","), ("3 084,40", ","), ("12.78", "."), ("12,5", ","),
    ("1234.5678", "."), ("1,234,567", "."), ("1.234.567", ","), ("1,234", None), ("1.234", None),
    ("42", None), ("-0,75", ","),
])
def test_decimal_mark_of(text: str, mark: str | None) -> None:
    assert decimal_mark_of(text) == mark
