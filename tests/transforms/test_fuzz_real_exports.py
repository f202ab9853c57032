"""Seeded fuzzing of the real exports: truncations, byte flips, re-encodings and line-ending
changes of every real file, dropped for other accounts beside the originals. Every variant ends
loaded, skipped, quarantined (with a reason naming it) or as a named conflict; nothing crashes or
hangs; the original accounts' rows are unchanged; and every reason is a sentence for people."""

from __future__ import annotations

import random
import re
import shutil

import pytest

from connectors.base import load_connectors
from ingest.drop_folder import ingest_drop_folder
from tests.helpers import warehouse
from transforms.core import build_core

SEED = 1313
VARIANTS = 480
ENCODINGS = ("utf-16-le", "utf-16-be", "cp1252", "utf-8")
_TABLES = ("raw.export_files", "raw.account_daily_values", "raw.post_records", "raw.post_metric_values",
           "core.account_daily", "core.posts", "core.post_snapshots", "core.post_daily")


def _text_of(data: bytes) -> str | None:
    for encoding in ("utf-8-sig", "utf-16"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def mutate(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    """One to three random damages or re-saves of a file's bytes, and what was done."""
    done = []
    for _ in range(rng.randint(1, 3)):
        kind = rng.choice(("truncate", "flip", "encode", "line_endings"))
        text = _text_of(data)
        if kind == "truncate" and data:
            cut = rng.randrange(len(data))
            data, note = data[:cut], f"truncated at {cut}"
        elif kind == "flip" and data:
            positions = [rng.randrange(len(data)) for _ in range(rng.randint(1, 8))]
            flipped = bytearray(data)
            for position in positions:
                flipped[position] = rng.randrange(256)
            data, note = bytes(flipped), f"bytes changed at {positions}"
        elif kind == "encode" and text is not None:
            encoding = rng.choice(ENCODINGS)
            bom = rng.choice(("", "\ufeff", "\ufeff\ufeff"))
            data, note = (bom + text).encode(encoding, errors="replace"), f"re-encoded {encoding} bom={len(bom)}"
        elif kind == "line_endings" and text is not None:
            ending = rng.choice(("\r", "\r\n", "mixed"))
            lines = text.replace("\r\n", "\n").split("\n")
            if ending == "mixed":
                text = "".join(line + rng.choice(("\r", "\n", "\r\n")) for line in lines)
            else:
                text = ending.join(lines)
            data, note = text.encode("utf-8"), f"line endings {ending!r}"
        else:
            continue
        done.append(note)
    return data, "; ".join(done) or "unchanged"


def _rows(con, accounts: list[tuple[str, str]]) -> dict[str, list[tuple]]:
    """The rows of the original accounts, without load times."""
    keys = [f"{p}/{a}" for p, a in accounts]
    out = {}
    for table in _TABLES:
        schema, name = table.split(".")
        columns = ", ".join(r[0] for r in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? "
            "AND column_name <> 'loaded_at' ORDER BY column_index", [schema, name]).fetchall())
        out[table] = con.execute(f"SELECT {columns} FROM {table} WHERE platform || '/' || account_id "
                                 "IN (SELECT unnest(?::VARCHAR[])) ORDER BY ALL", [keys]).fetchall()
    return out


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory, real_exports):
    rng = random.Random(SEED)
    exports = tmp_path_factory.mktemp("fuzz") / "exports"
    originals = sorted(p for p in real_exports.rglob("*") if p.is_file() and p.name != "SOURCES.md")
    accounts = set()
    for path in originals:  # the originals, each folder one account, landed first
        relative = path.relative_to(real_exports)
        platform = "x" if relative.parts[0] == "twitter" else relative.parts[0]
        account = relative.parts[1] if len(relative.parts) == 3 else "default"
        (exports / platform / account).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, exports / platform / account / path.name)
        accounts.add((platform, account))
    con = warehouse()
    ingest_drop_folder(con, exports, load_connectors(), {}, "UTC")
    build_core(con, *_date_range(con))
    before = _rows(con, sorted(accounts))

    made = {}
    for number in range(VARIANTS):
        source = rng.choice(originals)
        data, note = mutate(source.read_bytes(), rng)
        platform = "x" if source.parent.name == "twitter" or source.parent.parent.name == "twitter" else (
            source.relative_to(real_exports).parts[0])
        folder = exports / platform / f"fuzz{number:03d}"
        folder.mkdir(parents=True)
        (folder / source.name).write_bytes(data)
        made[f"{platform}/fuzz{number:03d}/{source.name}"] = note
    outcomes = ingest_drop_folder(con, exports, load_connectors(), {}, "UTC")
    build_core(con, *_date_range(con))
    after = _rows(con, sorted(accounts))
    return made, {o.relative: o for o in outcomes if o.relative in made}, before, after


def _date_range(con):
    first, last = con.execute("SELECT min(d), max(d) FROM (SELECT date AS d FROM raw.account_daily_values "
                              "UNION ALL SELECT snapshot_date FROM raw.post_metric_values)").fetchall()[0]
    return first, last


def test_every_variant_ends_landed_skipped_quarantined_or_in_conflict(fuzzed):
    made, outcomes, _, _ = fuzzed
    assert set(outcomes) == set(made)
    statuses = {}
    for relative, outcome in outcomes.items():
        statuses[outcome.status] = statuses.get(outcome.status, 0) + 1
        assert outcome.status in ("loaded", "skipped", "quarantined", "conflict"), (relative, made[relative])
        if outcome.status == "quarantined":
            assert outcome.reason.startswith((f"{relative.rsplit('/', 1)[1]}:", f"{relative.rsplit('/', 1)[1]},")), (
                relative, outcome.reason)
        if outcome.status == "conflict":
            assert "already loaded for" in outcome.reason
    print(f"{len(made)} variants: {dict(sorted(statuses.items()))}")
    assert statuses.get("quarantined", 0) > 0 and statuses.get("loaded", 0) > 0


def test_the_original_accounts_rows_are_unchanged(fuzzed):
    _, _, before, after = fuzzed
    assert {t: len(r) for t, r in before.items()} == {t: len(r) for t, r in after.items()}
    assert before == after


# What a reason for people never contains: exception class names, library and module names, and the
# wording of Python's or a library's internal messages.
_INTERNALS = re.compile(
    r"\b\w*(Error|Exception|Warning)\b|Traceback|BadZipFile|\bxlrd\b|openpyxl|zipfile|\bexpat\b|_csv|"
    r"\bcodec\b|field limit|undefined entity|index out of range|NoneType|has no attribute|invalid literal|"
    r"not enough values to unpack|\bstruct\b|\[Errno|object is not|unsupported operand|\bkey\b.*\bKeyError|"
    r"\\x[0-9a-f]{2}|position \d+")


def test_every_reason_is_a_sentence_for_people(fuzzed):
    _, outcomes, _, _ = fuzzed
    reasons = sorted({o.reason for o in outcomes.values() if o.status in ("quarantined", "conflict")})
    assert reasons
    bad = [reason for reason in reasons if _INTERNALS.search(reason) or len(reason.split()) < 6]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("reason", [
    "export.csv: malformed CSV: field larger than field limit (131072)",
    "f.xml: truncated or malformed SpreadsheetML workbook (undefined entity &xxe;: line 1, column 30)",
    "f.xls: unreadable .xls workbook (array index out of range)",
    "f.csv: parser failed (KeyError: 'Date')",
])
def test_the_internals_check_catches_the_reasons_of_before(reason):
    assert _INTERNALS.search(reason)
