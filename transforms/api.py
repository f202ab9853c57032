"""Land API pulls in raw, and re-normalise landed pages without the network (`socialkpi replay`).

A pull replaces exactly the values it reports again (restated days), so re-running a day never
duplicates, and keeps what it does not report again: follower totals dated an earlier night, and
days older than the platform's history limit. Pages of every pull stay for `replay`.
The HTTP work happens before any warehouse connection is opened (DuckDB allows one writer; a
connection is never held across network calls).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass

import duckdb
import pandas as pd

from connectors.base import ApiAccount, Connector, ParsedExport, RawPage
from transforms.records import Provenance, raw_frames, record_count
from warehouse.writes import insert_frame

# What identifies one reported value in each raw table. A new pull replaces exactly the values it
# reports again (restated days); values it does not report again stay: a follower total dated an
# earlier night, or days beyond the platform's history limit that the API can no longer serve.
_VALUE_KEYS = {
    "raw.account_daily_values": ("date", "metric", "source_metric"),
    "raw.post_metric_values": ("post_id", "snapshot_date", "metric", "source_metric"),
    "raw.ads_daily_values": ("date", "campaign_id", "metric", "source_metric"),
    "raw.web_daily_values": ("date", "social_platform", "metric", "source_metric"),
    "raw.mentions_daily_values": ("date", "subject_id", "social_platform"),
    "raw.post_records": ("post_id",),
    "raw.review_records": ("review_id",),
    "raw.survey_response_records": ("survey_id", "response_id"),
}


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
    """Fetch and normalise one account's window (network only; no warehouse).

    The window is widened to the platform's own lookback (Meta Ads restates 7 days of attribution),
    so a nightly run of a few days still re-pulls every day the platform may have restated.
    """
    client = connector.api(account)
    start = min(start, end - dt.timedelta(days=max(client.lookback_days, 1) - 1))
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
    """Replace the API values this pull reports again; keep the ones it does not."""
    origin = Provenance("api", pull_key(platform, account_id, start, end), fetched_at, platform, account_id)
    for table, frame in raw_frames(parsed, origin).items():
        keys = _VALUE_KEYS[table]
        view = f"_pull_{table.replace('.', '_')}"
        con.register(view, frame[list(keys)].drop_duplicates())
        try:
            matches = " AND ".join(f"t.{k} IS NOT DISTINCT FROM p.{k}" for k in keys)
            con.execute(f"DELETE FROM {table} AS t USING {view} AS p WHERE t.source = 'api' "
                        f"AND t.platform = ? AND t.account_id = ? AND {matches}", [platform, account_id])
        finally:
            con.unregister(view)
        insert_frame(con, table, frame)
    return record_count(parsed)


def _as_of_window_end(parsed: ParsedExport, end: dt.date) -> ParsedExport:
    """Lifetime post counters read on the pull day are dated the window's last day at the latest:
    a nightly window ends yesterday, and core only builds dates inside the runs' windows."""
    if all(m.snapshot_date <= end for m in parsed.post_metrics):
        return parsed
    return dataclasses.replace(parsed, post_metrics=[
        m if m.snapshot_date <= end else dataclasses.replace(m, snapshot_date=end) for m in parsed.post_metrics])


def land_api_pull(con: duckdb.DuckDBPyConnection, pull: ApiPull) -> int:
    """Land the pull's pages (replacing an earlier pull of the same window) and its values, in one
    transaction. Pages of other, overlapping windows stay: they are the history `replay` reads."""
    platform, account_id = pull.account.platform, pull.account.account_id
    fetched = max((p.fetched_at for p in pull.pages), default=dt.datetime.now(dt.UTC))
    fetched_at = fetched.astimezone(dt.UTC).replace(tzinfo=None) if fetched.tzinfo else fetched
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM raw.api_pages WHERE platform = ? AND account_id = ? "
                    "AND window_start = ? AND window_end = ?", [platform, account_id, pull.start, pull.end])
        if pull.pages:
            insert_frame(con, "raw.api_pages", _pages_frame(pull))
        records = _replace_records(con, platform, account_id, pull.start, pull.end,
                                   _as_of_window_end(pull.parsed, pull.end), fetched_at)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return records


def replay(con: duckdb.DuckDBPyConnection, registry: Mapping[str, Connector], start: dt.date,
           end: dt.date, timezones: Mapping[tuple[str, str], str], default_timezone: str) -> dict[str, int]:
    """Re-normalise every landed API pull whose window lies in [start, end]; no network call.

    Pulls are replayed one by one in the order they were fetched, so where nightly windows overlap
    the latest pull's restated values win, as they did when landed. Returns records per account.
    """
    rows = con.execute("""
        SELECT platform, account_id, window_start, window_end, page_no, endpoint, params, status, body, fetched_at
        FROM raw.api_pages WHERE window_start >= ? AND window_end <= ?
        ORDER BY platform, account_id, window_start, window_end, page_no""", [start, end]).fetchall()
    pulls: dict[tuple[str, str, dt.date, dt.date], list[RawPage]] = {}
    for platform, account_id, w_start, w_end, _n, endpoint, params, status, body, fetched_at in rows:
        pulls.setdefault((platform, account_id, w_start, w_end), []).append(RawPage(
            endpoint=endpoint, params=json.loads(params) if params else {}, status=status,
            body=json.loads(body) if body else None, fetched_at=fetched_at.replace(tzinfo=dt.UTC),
            window_start=w_start, window_end=w_end))
    landed: dict[str, int] = {}
    batch: list[tuple[str, str, ParsedExport, Provenance]] = []
    batch_records = 0
    for (platform, account_id, w_start, w_end), pages in sorted(
            pulls.items(), key=lambda item: max(p.fetched_at for p in item[1])):
        account = ApiAccount(platform, account_id, timezones.get((platform, account_id), default_timezone))
        parsed = _as_of_window_end(registry[platform].api(account).normalise(pages), w_end)
        fetched_at = max(p.fetched_at for p in pages).replace(tzinfo=None)
        origin = Provenance("api", pull_key(platform, account_id, w_start, w_end), fetched_at, platform, account_id)
        records = record_count(parsed)
        batch.append((platform, account_id, parsed, origin))
        batch_records += records
        key = f"{platform}/{account_id}"
        landed[key] = landed.get(key, 0) + records
        if batch_records >= _REPLAY_BATCH_RECORDS:
            _replace_batch(con, batch)
            batch, batch_records = [], 0
    if batch:
        _replace_batch(con, batch)
    return landed


# Records re-normalised before they are written in one transaction: bounds the memory of a replay
# of years of pages while keeping the per-statement overhead of DuckDB small.
_REPLAY_BATCH_RECORDS = 250_000


def _replace_batch(con: duckdb.DuckDBPyConnection, batch: list[tuple[str, str, ParsedExport, Provenance]]) -> None:
    """Land consecutive pulls (in fetch order) as `_replace_records` would one by one, in bulk.

    Replaying pulls one after another leaves, for every value key, the rows of the last pull that
    reports that key (and the older rows of keys no pull reports). So: delete every API row whose
    key one of the pulls reports, and insert each key's rows from its latest pull only.
    """
    per_table: dict[str, list[pd.DataFrame]] = {}
    for order, (_platform, _account_id, parsed, origin) in enumerate(batch):
        for table, frame in raw_frames(parsed, origin).items():
            frame["_pull_order"] = order
            per_table.setdefault(table, []).append(frame)
    con.execute("BEGIN TRANSACTION")
    try:
        for table, frames in per_table.items():
            frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
            keys = ("platform", "account_id", *_VALUE_KEYS[table])
            view = f"_replay_{table.replace('.', '_')}"
            con.register(view, frame)
            try:
                matches = " AND ".join(f"t.{k} IS NOT DISTINCT FROM p.{k}" for k in keys)
                key_list = ", ".join(keys)
                con.execute(f"DELETE FROM {table} AS t USING (SELECT DISTINCT {key_list} FROM {view}) AS p "
                            f"WHERE t.source = 'api' AND {matches}").fetchall()
                con.execute(f"""
                    INSERT INTO {table} BY NAME
                    SELECT * EXCLUDE (_pull_order, _last_pull) FROM (
                        SELECT *, max(_pull_order) OVER (PARTITION BY {key_list}) AS _last_pull FROM {view})
                    WHERE _pull_order = _last_pull""").fetchall()
            finally:
                con.unregister(view)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
