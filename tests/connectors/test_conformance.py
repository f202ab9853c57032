"""Every registered connector keeps the connector contract (DESIGN.md "Connectors").

Run over the registry, so a new platform is checked the day it registers: format names are
unique; `recognise` never raises and never claims another platform's file; every metric a
mapping or a parse names is a canonical warehouse column; an API client's `normalise([])` is
empty; each platform has its documentation page.

Facebook and Instagram share the Meta Business Suite formats (one class in connectors/meta/,
configured per platform): the files are alike and the drop folder says whose they are. A name
or a file shared that way is one format, not a clash.
"""

from __future__ import annotations

import datetime as dt
import importlib
import pickle
from collections.abc import Iterator, Mapping
from pathlib import Path

import duckdb
import pytest

from connectors.base import ApiAccount, Connector, ExportContext, ExportFileError, ParsedExport, load_connectors
from connectors.meta.graph import ApiMetric
from connectors.tables import Sheets, read_sheets
from ingest.records import record_count
from pipelines.demo import write_demo
from tests.corpus import PROJECT_ROOT
from warehouse.schema import migrate

REGISTRY = load_connectors()
CONNECTORS = {connector.platform: connector for connector in REGISTRY.values()}
TEMPLATE_PLATFORMS = {"ga4_traffic_acquisition.csv": "ga4", "mentions.csv": "mentions",
                      "reviews.csv": "google_business", "surveys.csv": "surveys"}
# Inputs that a recogniser meets in a drop folder: nothing, empty rows, one cell, binary noise.
ODD_SHEETS: list[Sheets] = [
    {}, {"": []}, {"": [[]]}, {"": [[""]]}, {"": [["", "", ""]]}, {"": [["Date"]]}, {"": [["Date"], []]},
    {"Sheet1": [["\x00\ufffd\x7f", "ÿþ"]]}, {"": [["sep=,"], ["Date", "Views"], ["2025-01-01"]]},
    {"a": [["Total", "1"]], "b": []},
]


def _canonical_columns() -> dict[str, frozenset[str]]:
    """The metric columns of the core tables, as the migrations create them."""
    con = duckdb.connect()
    migrate(con)
    keys = {"platform", "account_id", "date", "post_id", "snapshot_date", "campaign_id", "brand_id",
            "campaign_name", "currency", "source", "loaded_at"}
    return {table: frozenset(name for (name,) in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'core' AND table_name = ?",
        [table]).fetchall()) - keys
        for table in ("account_daily", "post_snapshots", "ads_daily", "web_daily")}


CANONICAL = _canonical_columns()
ALL_CANONICAL = frozenset().union(*CANONICAL.values())


def _files(folder: Path) -> Iterator[Path]:
    yield from (p for p in sorted(folder.rglob("*")) if p.is_file() and not p.name.startswith((".", "README")))


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, Path]]:
    """(platform, file) of every export sample this checkout has: the connectors' own fixtures,
    the documented templates and the demo's native-format files."""
    found = [(folder.parent.name, path) for folder in sorted((PROJECT_ROOT / "tests" / "connectors").glob("*/fixtures"))
             for path in _files(folder)]
    found += [(TEMPLATE_PLATFORMS[path.name], path) for path in _files(PROJECT_ROOT / "docs" / "templates")]
    demo = tmp_path_factory.mktemp("demo")
    write_demo(demo, dt.date(2025, 1, 1), dt.date(2025, 1, 7))
    found += [(REGISTRY[path.relative_to(demo / "exports").parts[0]].platform, path)
              for path in _files(demo / "exports")]
    assert {platform for platform, _ in found} >= {"x", "facebook", "instagram", "tiktok", "meta_ads", "ga4"}
    return found


def _real_files(real_exports: Path) -> list[tuple[str, Path]]:
    return [(REGISTRY[path.relative_to(real_exports).parts[0]].platform, path)
            for path in _files(real_exports) if path.relative_to(real_exports).parts[0] in REGISTRY]


def _sheets(path: Path) -> Sheets | None:
    try:
        return read_sheets(path)
    except ExportFileError:  # a damaged file: the drop folder quarantines it before any recogniser
        return None


def _foreign_claims(platform: str, sheets: Sheets) -> dict[str, str]:
    """Other platforms whose formats recognise the sheets (platform -> format name), leaving out
    a format shared with `platform` (the same class recognising them for both)."""
    own = CONNECTORS[platform].recognise(sheets)
    claims = {}
    for other, connector in CONNECTORS.items():
        fmt = connector.recognise(sheets)
        if other != platform and fmt is not None and not (own is not None and type(fmt) is type(own)):
            claims[other] = fmt.name
    return claims


def test_the_registry_has_every_platform_of_the_design() -> None:
    assert set(CONNECTORS) == {"facebook", "instagram", "x", "linkedin", "youtube", "tiktok", "google_business",
                               "meta_ads", "ga4", "mentions", "surveys"}
    assert REGISTRY["twitter"] is CONNECTORS["x"]


def test_format_names_are_unique_across_connectors() -> None:
    """One name, one format: a name on two connectors is the same shared class."""
    classes: dict[str, set[type]] = {}
    for connector in CONNECTORS.values():
        names = [fmt.name for fmt in connector.export_formats]
        assert all(isinstance(name, str) and name for name in names)
        assert len(names) == len(set(names)), f"{connector.platform}: {sorted(names)}"
        for fmt in connector.export_formats:
            classes.setdefault(fmt.name, set()).add(type(fmt))
    assert {name: kinds for name, kinds in classes.items() if len(kinds) > 1} == {}


@pytest.mark.parametrize("sheets", ODD_SHEETS, ids=range(len(ODD_SHEETS)))
def test_recognise_never_raises_on_odd_input(sheets: Sheets) -> None:
    for connector in CONNECTORS.values():
        for fmt in connector.export_formats:
            assert fmt.recognise(sheets) in (True, False), f"{fmt.name} recognises {sheets!r}"


def test_recognise_never_raises_on_the_first_rows_of_a_sample(samples: list[tuple[str, Path]]) -> None:
    """A half-written or cut file: its title line alone, its header without data."""
    for _, path in samples:
        sheets = _sheets(path)
        for rows in range(4):
            for connector in CONNECTORS.values():
                connector.recognise({name: sheet[:rows] for name, sheet in (sheets or {}).items()})


def test_a_sample_is_claimed_by_its_own_platform_only(samples: list[tuple[str, Path]]) -> None:
    wrong = {}
    for platform, path in samples:
        sheets = _sheets(path)
        claims = _foreign_claims(platform, sheets) if sheets is not None else {}
        if claims:
            wrong[path.name] = claims
    assert wrong == {}


def test_no_connector_claims_another_platforms_real_file(real_exports: Path) -> None:
    files = _real_files(real_exports)
    assert files
    wrong = {}
    for platform, path in files:
        sheets = _sheets(path)
        claims = _foreign_claims(platform, sheets) if sheets is not None else {}
        if claims:
            wrong[path.relative_to(real_exports).as_posix()] = claims
    assert wrong == {}


def _declared_targets(module: object) -> Iterator[tuple[str, str]]:
    """(where, canonical name) of every metric target a settings module declares: values of its
    `*_METRICS` mappings of names, canonical columns of its API metric tables and Meta daily titles."""
    for attr, value in vars(module).items():
        if attr.endswith("_METRICS") and isinstance(value, Mapping):
            for key, target in value.items():
                if isinstance(target, str):
                    yield f"{attr}[{key!r}]", target
                elif isinstance(target, tuple) and attr == "ADS_METRICS":  # canonical -> export headers
                    yield f"{attr} key", key
        elif isinstance(value, list | tuple) and value and all(isinstance(m, ApiMetric) for m in value):
            yield from ((f"{attr}[{m.name!r}]", m.canonical) for m in value if m.canonical)
        elif attr == "DAILY_TITLES" and isinstance(value, Mapping):
            yield from ((f"{attr}[{title!r}]", target) for title, targets in value.items() for target in targets)


def test_every_declared_mapping_target_is_a_canonical_column() -> None:
    wrong, seen = [], 0
    for platform in CONNECTORS:
        for name in ("settings", "api_settings"):
            try:
                module = importlib.import_module(f"connectors.{platform}.{name}")
            except ModuleNotFoundError:
                continue
            for where, target in _declared_targets(module):
                seen += 1
                if target not in ALL_CANONICAL:
                    wrong.append(f"connectors/{platform}/{name}.py {where} -> {target!r}")
    assert seen > 100  # the search reads the settings modules at all
    assert wrong == []


def _parsed_targets(parsed: ParsedExport) -> Iterator[tuple[str, str | None]]:
    for table, kind in (("account_daily", "account_daily"), ("post_snapshots", "post_metrics"),
                        ("ads_daily", "ads_daily"), ("web_daily", "web_daily")):
        yield from ((table, record.metric) for record in getattr(parsed, kind))


def test_every_parsed_metric_is_a_column_of_its_core_table(samples: list[tuple[str, Path]]) -> None:
    wrong, checked = set(), set()
    for platform, path in samples:
        sheets = _sheets(path)
        fmt = CONNECTORS[platform].recognise(sheets) if sheets is not None else None
        if fmt is None:
            continue
        ctx = ExportContext(path=path, platform=platform, account_id="1", timezone="UTC",
                            export_date=dt.date(2026, 12, 1))
        try:
            parsed = fmt.parse(sheets, ctx)
        except ExportFileError:  # samples of refused files (the connectors' tests assert why)
            continue
        for table, metric in _parsed_targets(parsed):
            checked.add(platform)
            if metric is not None and metric not in CANONICAL[table]:
                wrong.add(f"{path.name} ({fmt.name}): {metric!r} is not a column of core.{table}")
    assert checked >= {"x", "facebook", "instagram", "tiktok", "meta_ads", "ga4"}
    assert wrong == set()


@pytest.mark.parametrize("platform", sorted(p for p, c in CONNECTORS.items() if c.api is not None))
def test_normalise_of_no_pages_is_empty(platform: str) -> None:
    connector: Connector = CONNECTORS[platform]
    assert connector.api is not None
    client = connector.api(ApiAccount(platform, "1", "UTC"))  # no credentials: replay builds them so
    parsed = client.normalise([])
    assert record_count(parsed) == 0
    assert parsed.skipped_reason is None


@pytest.mark.parametrize("platform", sorted(CONNECTORS))
def test_a_connector_survives_the_trip_to_a_worker_process(platform: str) -> None:
    """Parse jobs carry their connector to a worker process (ingest/workers.py) by pickle: a
    closure in a connector (an api factory built inside a function) would fail every file there."""
    connector = CONNECTORS[platform]
    copy = pickle.loads(pickle.dumps(connector))
    assert copy.platform == connector.platform
    assert [f.name for f in copy.export_formats] == [f.name for f in connector.export_formats]
    if connector.api is not None:
        account = ApiAccount(platform, "1", "UTC")
        assert type(copy.api(account)) is type(connector.api(account))


@pytest.mark.parametrize("platform", sorted(CONNECTORS))
def test_each_platform_has_its_documentation_page(platform: str) -> None:
    assert (PROJECT_ROOT / "connectors" / platform / "__init__.py").is_file()
    page = PROJECT_ROOT / "docs" / "exports" / f"{platform}.md"
    templates = (PROJECT_ROOT / "docs" / "exports" / "templates.md").read_text(encoding="utf-8")
    assert page.is_file() or f"`{platform}`" in templates, f"no docs/exports/{platform}.md"
    if CONNECTORS[platform].api is not None:
        assert platform in (PROJECT_ROOT / "docs" / "api.md").read_text(encoding="utf-8").casefold()
