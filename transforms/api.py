"""Land API pulls in raw, and re-normalise landed pages without the network (`socialkpi replay`).

A pull of one account and date window replaces that account's earlier API pages and records for
the same window, so re-running a day never duplicates. The HTTP work happens before any warehouse
connection is opened (DuckDB allows one writer; a connection is never held across network calls).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass

import duckdb
import pandas as pd

from connectors.base import ApiAccount, Connector, ParsedExport, RawPage
from transforms.records import Provenance, raw_frames, record_count
from warehouse.writes import insert_frame

# Dated raw tables and their date column: an API pull replaces its window in each.
_DATED = {
    "raw.account_daily_values": "date",
    "raw.post_metric_values": "snapshot_date",
    "raw.ads_daily_values": "date",
    "raw.web_daily_values": "date",
    "raw.mentions_daily_values": "date",
}
# Undated records are replaced by their key.
_KEYED = {"raw.post_records": "post_id", "raw.review_records": "review_id",
          "raw.survey_response_records": "response_id"}


@dataclass(frozen=True)
class ApiPull:
    account: ApiAccount
    start: dt.date
    end: dt.date
    pages: list[RawPage]
    parsed: ParsedExport


def pull_key(platform: str, account_id: str, start: dt.date, end: dt.date) -> str:
    return f"api:{platform}/{account_id}/{start.isoformat()}..{end.isoformat()}"


def fetch_pull(connector: Connector, account: ApiAccount, start: dt.date, end: dt.date) -> ApiPull:
    """Fetch and normalise one account's window (network only; no warehouse)."""
    client = connector.api(account)
    pages = client.fetch(start, end)
    return ApiPull(account, start, end, pages, client.normalise(pages))


def _pages_frame(pull: ApiPull) -> pd.DataFrame:
    return pd.DataFrame([{
        "platform": pull.account.platform, "account_id": pull.account.account_id,
        "window_start": page.window_start, "window_end": page.window_end, "page_no": number,
        "endpoint": page.endpoint, "params": json.dumps(page.params, sort_keys=True),
        "status": page.status, "body": json.dumps(page.body),
        "fetched_at": page.fetched_at.astimezone(dt.UTC).replace(tzinfo=None)
        if page.fetched_at.tzinfo else page.fetched_at,
    } for number, page in enumerate(pull.pages)])


def _replace_records(con: duckdb.DuckDBPyConnection, platform: str, account_id: str, start: dt.date,
                     end: dt.date, parsed: ParsedExport, fetched_at: dt.datetime) -> int:
    origin = Provenance("api", pull_key(platform, account_id, start, end), fetched_at, platform, account_id)
    frames = raw_frames(parsed, origin)
    for table, column in _DATED.items():
        con.execute(f"DELETE FROM {table} WHERE source = 'api' AND platform = ? AND account_id = ? "
                    f"AND {column} BETWEEN ? AND ?", [platform, account_id, start, end])
    for table, key in _KEYED.items():
        if table in frames:
            con.execute(f"DELETE FROM {table} WHERE source = 'api' AND platform = ? AND account_id = ? "
                        f"AND {key} IN (SELECT unnest(?))",
                        [platform, account_id, sorted(set(frames[table][key]))])
    for table, frame in frames.items():
        insert_frame(con, table, frame)
    return record_count(parsed)


def land_api_pull(con: duckdb.DuckDBPyConnection, pull: ApiPull) -> int:
    """Replace the account's pages and records of the pull's window, in one transaction."""
    platform, account_id = pull.account.platform, pull.account.account_id
    fetched = max((p.fetched_at for p in pull.pages), default=dt.datetime.now(dt.UTC))
    fetched_at = fetched.astimezone(dt.UTC).replace(tzinfo=None) if fetched.tzinfo else fetched
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM raw.api_pages WHERE platform = ? AND account_id = ? "
                    "AND window_start >= ? AND window_end <= ?", [platform, account_id, pull.start, pull.end])
        if pull.pages:
            insert_frame(con, "raw.api_pages", _pages_frame(pull))
        records = _replace_records(con, platform, account_id, pull.start, pull.end, pull.parsed, fetched_at)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return records


def replay(con: duckdb.DuckDBPyConnection, registry: Mapping[str, Connector], start: dt.date,
           end: dt.date, timezones: Mapping[tuple[str, str], str], default_timezone: str) -> dict[str, int]:
    """Re-normalise every landed API page whose window lies in [start, end]; no network call.

    Returns records landed per platform/account.
    """
    rows = con.execute("""
        SELECT platform, account_id, window_start, window_end, page_no, endpoint, params, status, body, fetched_at
        FROM raw.api_pages WHERE window_start >= ? AND window_end <= ?
        ORDER BY platform, account_id, window_start, window_end, page_no""", [start, end]).fetchall()
    groups: dict[tuple[str, str], list[RawPage]] = {}
    for platform, account_id, w_start, w_end, _n, endpoint, params, status, body, fetched_at in rows:
        groups.setdefault((platform, account_id), []).append(RawPage(
            endpoint=endpoint, params=json.loads(params) if params else {}, status=status,
            body=json.loads(body) if body else None, fetched_at=fetched_at.replace(tzinfo=dt.UTC),
            window_start=w_start, window_end=w_end))
    landed: dict[str, int] = {}
    for (platform, account_id), pages in groups.items():
        account = ApiAccount(platform, account_id, timezones.get((platform, account_id), default_timezone))
        parsed = registry[platform].api(account).normalise(pages)
        fetched_at = max(p.fetched_at for p in pages).replace(tzinfo=None)
        first, last = min(p.window_start for p in pages), max(p.window_end for p in pages)
        con.execute("BEGIN TRANSACTION")
        try:
            landed[f"{platform}/{account_id}"] = _replace_records(
                con, platform, account_id, first, last, parsed, fetched_at)
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
    return landed

