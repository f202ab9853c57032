"""Canonical connector records -> rows of the raw landing tables (pandas frames).

Pure functions: no DuckDB, no HTTP. The same conversion serves export files and API pulls,
which differ only in `source`, `source_key` and `source_rank`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields

import numpy as np
import pandas as pd

from connectors.base import ParsedExport, RecordColumns


@dataclass(frozen=True)
class Provenance:
    """Where records came from; `rank` orders competing sources (later wins)."""

    source: str  # 'export' | 'api'
    key: str  # file hash or API pull key
    rank: dt.datetime  # export date (as midnight) or fetch time, naive UTC
    platform: str
    account_id: str


RAW_TABLES = {
    "account_daily": "raw.account_daily_values",
    "posts": "raw.post_records",
    "post_metrics": "raw.post_metric_values",
    "ads_daily": "raw.ads_daily_values",
    "web_daily": "raw.web_daily_values",
    "mentions_daily": "raw.mentions_daily_values",
    "reviews": "raw.review_records",
    "survey_responses": "raw.survey_response_records",
}


def _naive_utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def _record_columns(records: Sequence[object]) -> dict[str, list[object]]:
    """One list per dataclass field, read column-wise (no dict per record).

    The records are flat dataclasses of one type (the canonical records hold scalars only), so
    this equals the columns of `pd.DataFrame([asdict(r) for r in records])` at a fraction of the
    cost; records a client already holds column-wise (`RecordColumns`) are taken as they are.
    """
    if isinstance(records, RecordColumns):
        return dict(records.columns)
    kinds = {type(r) for r in records}
    if len(kinds) != 1:  # mixed record types: column-wise reading would misalign
        return {name: list(values) for name, values in pd.DataFrame([asdict(r) for r in records]).items()}
    return {f.name: [getattr(r, f.name) for r in records] for f in fields(records[0])}


# Date fields of the canonical records. They are handed to DuckDB as datetime64 arrays: it scans
# those about ten times faster than a column of `datetime.date` objects.
_DATE_FIELDS = ("date", "snapshot_date", "created_date", "responded_date")
_UNIX_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


def _date_array(values: list[object]) -> object:
    """datetime64[D] for a column of dates; the values unchanged if any is missing."""
    try:
        ordinals = np.fromiter(map(dt.date.toordinal, values), dtype=np.int64, count=len(values))
    except TypeError:  # None (or not a date): DuckDB reads the objects
        return values
    return (ordinals - _UNIX_EPOCH_ORDINAL).astype("datetime64[D]")


def record_frames(parsed: ParsedExport) -> dict[str, pd.DataFrame]:
    """One frame of the records' own columns per raw table that this parse has records for."""
    frames: dict[str, pd.DataFrame] = {}
    for kind, table in RAW_TABLES.items():
        records = getattr(parsed, kind)
        if not records:
            continue
        columns: dict[str, object] = {}
        for name, values in _record_columns(records).items():
            if name in ("published_at", "created_at", "responded_at"):
                values = pd.Series([_naive_utc(v) for v in values], dtype="object")
            elif name in _DATE_FIELDS:
                values = _date_array(values)
            # Web analytics and mention records name the social platform they are about; the
            # origin columns (`raw_frames`) name the connector (web analytics, listening) and its account.
            columns["social_platform" if name == "platform" else name] = values
        frames[table] = pd.DataFrame(columns)
    return frames


def provenance_columns(origin: Provenance) -> dict[str, object]:
    """The raw tables' lineage columns, as the records of one file or pull share them."""
    return {"source": origin.source, "source_key": origin.key, "source_rank": origin.rank,
            "platform": origin.platform, "account_id": origin.account_id}


def raw_frames(parsed: ParsedExport, origin: Provenance) -> dict[str, pd.DataFrame]:
    """One frame per raw table that this parse has records for, keyed by table name: the
    records' columns after the lineage columns of `origin`."""
    frames: dict[str, pd.DataFrame] = {}
    for table, records in record_frames(parsed).items():
        lineage = provenance_columns(origin)
        for position, (name, value) in enumerate(lineage.items()):
            records.insert(position, name, value)
        frames[table] = records
    return frames


def record_count(parsed: ParsedExport) -> int:
    return sum(len(getattr(parsed, kind)) for kind in RAW_TABLES)
