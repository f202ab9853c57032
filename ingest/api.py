"""Land API pulls in raw, and re-normalise landed pages without the network (`socialkpi replay`).

A pull replaces exactly the values it reports again (restated days), so re-running a day never
duplicates, and keeps what it does not report again: follower totals dated an earlier night, and
days older than the platform's history limit. Pages of every pull stay for `replay`.
The HTTP work happens before any warehouse connection is opened (DuckDB allows one writer; a
connection is never held across network calls).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass

import duckdb
import orjson
import pandas as pd

from connectors.base import ApiAccount, Connector, DailyInsightsLayout, ParsedExport, RawPage
from ingest.api_insights import StagedInsights, drop_staged, is_candidate, layout_of, stage_insights, values_sql
from ingest.records import Provenance, provenance_columns, raw_frames, record_count, record_frames
from ingest.workers import OrderedPool, auto_workers
from warehouse.writes import feed_summaries, insert_frame, transaction

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

    The window is widened to the platform's own lookback (`lookback_days`: ads attribution is restated for days),
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


def land_api_pull(con: duckdb.DuckDBPyConnection, pull: ApiPull) -> int:
    """Land the pull's pages (replacing an earlier pull of the same window) and its values, in one
    transaction. Pages of other, overlapping windows stay: they are the history `replay` reads."""
    platform, account_id = pull.account.platform, pull.account.account_id
    fetched = max((p.fetched_at for p in pull.pages), default=dt.datetime.now(dt.UTC))
    fetched_at = fetched.astimezone(dt.UTC).replace(tzinfo=None) if fetched.tzinfo else fetched
    with transaction(con):
        con.execute("DELETE FROM raw.api_pages WHERE platform = ? AND account_id = ? "
                    "AND window_start = ? AND window_end = ?", [platform, account_id, pull.start, pull.end])
        if pull.pages:
            insert_frame(con, "raw.api_pages", _pages_frame(pull))
        records = _replace_records(con, platform, account_id, pull.start, pull.end,
                                   pull.parsed, fetched_at)
    return records


# raw.api_pages rows of the pulls to replay, in pull order; {body} is the body or NULL, {pages} may
# leave out the pages read in bulk
_PAGES_SQL = """
    SELECT platform, account_id, window_start, window_end, page_no, endpoint, params, status, {body}, fetched_at
    FROM raw.api_pages {pages} WHERE window_start >= ? AND window_end <= ?
    ORDER BY platform, account_id, window_start, window_end, page_no"""


@dataclass(frozen=True)
class _Pull:
    """One landed pull to replay: whose it is, and its pages left to the client's `normalise`."""

    key: tuple[str, str, dt.date, dt.date]  # platform, account_id, window_start, window_end
    connector: Connector
    account: ApiAccount
    fetched_at: dt.datetime
    page_rows: list[tuple]


def replay(con: duckdb.DuckDBPyConnection, registry: Mapping[str, Connector], start: dt.date,
           end: dt.date, timezones: Mapping[tuple[str, str], str], default_timezone: str,
           options: Mapping[tuple[str, str], dict[str, object]] | None = None,
           workers: int | None = None) -> dict[str, int]:
    """Re-normalise every landed API pull whose window lies in [start, end]; no network call.

    `options` are the accounts' client options where they choose the client (competitor accounts).

    Pulls are replayed one by one in the order they were fetched, so where nightly windows overlap
    the latest pull's restated values win, as they did when landed. Returns records per account.
    Daily insights pages a client declares (`daily_insights`) are read by DuckDB in bulk
    (ingest.api_insights); `workers` processes normalise the other pages (None: one per core when
    there are enough pulls; 0: in this process); the writes are the same either way.
    """
    pages = con.execute(_PAGES_SQL.format(body="NULL", pages=""), [start, end]).fetchall()
    grouped: dict[tuple[str, str, dt.date, dt.date], list[tuple]] = {}
    for row in pages:
        grouped.setdefault(row[:4], []).append(row)
    in_fetch_order = sorted(grouped.items(), key=lambda item: max(row[-1] for row in item[1]))
    options = options or {}
    pulls: list[_Pull] = []
    layouts: list[DailyInsightsLayout] = []
    candidates: list[tuple[tuple, int, int]] = []
    for order, (key, rows) in enumerate(in_fetch_order):
        connector = registry[key[0]]
        account = ApiAccount(key[0], key[1], timezones.get(key[:2], default_timezone),
                             options=dict(options.get(key[:2], {})))
        pulls.append(_Pull(key, connector, account, max(row[-1] for row in rows), []))
        layout = _declared_layout(connector, account)
        if layout is None:
            continue
        if layout not in layouts:
            layouts.append(layout)
        candidates += [(row[:5], order, layouts.index(layout)) for row in rows
                       if is_candidate(layout, key[1], row[5], row[6], row[7])]
    del pages, grouped, in_fetch_order
    staged = stage_insights(con, candidates, layouts)
    try:
        # Bodies are read for the pages left to Python only (a year of insights pages for a
        # thousand accounts as JSON objects would hold millions of live objects at once).
        skip = "ANTI JOIN _replay_insight_pages_read USING (platform, account_id, window_start, window_end, page_no)"
        position = {pull.key: order for order, pull in enumerate(pulls)}
        left = con.execute(_PAGES_SQL.format(body="body", pages=skip if candidates else ""), [start, end])
        for row in left.fetchall():
            pulls[position[row[:4]]].page_rows.append(row)
        return _write_pulls(con, pulls, staged, workers)
    finally:
        drop_staged(con)


def _declared_layout(connector: Connector, account: ApiAccount) -> DailyInsightsLayout | None:
    """The account's client's declared daily insights pages, if any. A client that cannot be built
    (a wrong option) declares none: normalising its pages raises the error in its turn."""
    if connector.api is None:
        return None
    try:
        client = connector.api(account)
    except Exception:  # raised again, at its turn, by normalise_pull
        return None
    return layout_of(client)


def _write_pulls(con: duckdb.DuckDBPyConnection, pulls: list[_Pull], staged: StagedInsights,
                 workers: int | None) -> dict[str, int]:
    """Normalise the pulls' pages left to Python and write every pull's records, in pull order."""
    landed: dict[str, int] = {}
    # Normalising is Python; deleting and inserting is DuckDB, which releases the GIL. One writer
    # thread lands batch n while this thread normalises batch n + 1; reading a batch's frames into
    # DuckDB needs the GIL (pandas object columns), so it is done here, once batch n - 1 is written.
    # The connection is only ever used by one thread at a time.
    jobs = [(order, (pull.connector, pull.account, pull.page_rows))
            for order, pull in enumerate(pulls) if pull.page_rows]
    if workers is None:
        workers = auto_workers(len(jobs))
    with (OrderedPool(normalise_pull, jobs, workers) if workers > 0 and jobs else nullcontext() as ahead,
          ThreadPoolExecutor(max_workers=1, thread_name_prefix="socialkpi-replay-writer") as writer):
        written: Future[None] | None = None
        for batch in _normalised_batches(pulls, staged, ahead, landed):
            if written is not None:
                written.result()
            tables = _stage_batch(con, batch)
            written = writer.submit(_replace_batch, con, tables, batch.repeated_accounts)
        if written is not None:
            written.result()
    return landed


def normalise_pull(connector: Connector, account: ApiAccount,
                   page_rows: list[tuple]) -> tuple[dict[str, pd.DataFrame], int]:
    """One landed pull's records as frames of the raw tables' own columns, and their count (in this
    process or a worker)."""
    # Bodies are parsed pull by pull, not all up front (see replay).
    pages = [RawPage(endpoint=endpoint, params=json.loads(params) if params else {}, status=status,
                     body=_json_body(body), fetched_at=fetched.replace(tzinfo=dt.UTC),
                     window_start=w_start, window_end=w_end)
             for _platform, _account, w_start, w_end, _page, endpoint, params, status, body, fetched in page_rows]
    # lifetime post counters stay dated by the fetch time the connector read them at
    parsed = connector.api(account).normalise(pages)
    return record_frames(parsed), record_count(parsed)


def _normalised_batches(pulls: list[_Pull], staged: StagedInsights,
                        ahead: OrderedPool[tuple[dict[str, pd.DataFrame], int]] | None,
                        landed: dict[str, int]) -> Iterator[_ReplayBatch]:
    """The pulls' records in fetch order (normalised by `ahead`'s workers, else here; daily
    insights already staged in bulk), in batches of about `_REPLAY_BATCH_RECORDS`; counts records
    per account into `landed`."""
    batch: list[tuple[int, dict[str, pd.DataFrame], Provenance]] = []
    batch_records = 0
    for order, pull in enumerate(pulls):
        platform, account_id, w_start, w_end = pull.key
        if not pull.page_rows:
            frames, records = {}, 0
        else:
            frames, records = ahead.take(order) if ahead is not None else normalise_pull(
                pull.connector, pull.account, pull.page_rows)
        records += staged.values.get(order, 0)
        batch.append((order, frames, Provenance("api", pull_key(platform, account_id, w_start, w_end),
                                                pull.fetched_at, platform, account_id)))
        batch_records += records
        landed[f"{platform}/{account_id}"] = landed.get(f"{platform}/{account_id}", 0) + records
        if batch_records >= _REPLAY_BATCH_RECORDS:
            yield _ReplayBatch.of(batch, staged)
            batch, batch_records = [], 0
    if batch:
        yield _ReplayBatch.of(batch, staged)


def _json_body(text: str | None) -> object:
    """A landed page body. orjson is strict JSON; a body that held NaN (which `requests` accepts
    from a platform and `json.dumps` writes back as is) is read by the json module instead."""
    if not text:
        return None
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


# Records re-normalised before they are written in one transaction: bounds the memory of a replay
# of years of pages while keeping the per-statement overhead of DuckDB small.
_REPLAY_BATCH_RECORDS = 250_000


@dataclass
class _ReplayBatch:
    """Consecutive pulls' records ready to write: lineage once per pull, records per raw table."""

    pulls: pd.DataFrame  # _pull_order (fetch order) + the lineage columns
    tables: dict[str, pd.DataFrame]  # raw table -> the records' own columns + _pull_order
    repeated_accounts: bool  # some account has more than one pull in the batch
    bulk_values: bool  # some pull has daily insights values staged in bulk

    @classmethod
    def of(cls, batch: list[tuple[int, dict[str, pd.DataFrame], Provenance]], staged: StagedInsights) -> _ReplayBatch:
        per_table: dict[str, list[pd.DataFrame]] = {}
        for order, frames, _origin in batch:
            for table, frame in frames.items():
                frame["_pull_order"] = order
                per_table.setdefault(table, []).append(frame)
        return cls(
            pulls=pd.DataFrame([{"_pull_order": order, **provenance_columns(origin)} for order, _f, origin in batch]),
            tables={table: pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
                    for table, frames in per_table.items()},
            repeated_accounts=len({(o.platform, o.account_id) for _n, _f, o in batch}) < len(batch),
            bulk_values=any(order in staged.values for order, _f, _o in batch))


_BATCH_PULLS = "_replay_batch_pulls"


def _stage_batch(con: duckdb.DuckDBPyConnection, batch: _ReplayBatch) -> dict[str, str]:
    """Read the batch's records into one temporary table per raw table, joined to their pull's
    lineage (with the pulls' values staged in bulk); returns raw table -> temporary table (or the
    query of the values staged in bulk)."""
    staged = {}
    con.register("_replay_pulls", batch.pulls)
    try:
        for table, records in batch.tables.items():
            staged[table] = f"_replay_{table.replace('.', '_')}"
            con.register("_replay_records", records)
            try:
                con.execute(f"CREATE OR REPLACE TEMP TABLE {staged[table]} AS "
                            "SELECT * FROM _replay_pulls JOIN _replay_records USING (_pull_order)").fetchall()
            finally:
                con.unregister("_replay_records")
        if batch.bulk_values:
            table = "raw.account_daily_values"
            if table in staged:
                con.execute(f"INSERT INTO {staged[table]} BY NAME {values_sql('_replay_pulls')}").fetchall()
            else:
                # Only values staged in bulk: read in place through the batch's pulls (copying them
                # into one more table cost as much as inserting them).
                con.execute(f"CREATE OR REPLACE TEMP TABLE {_BATCH_PULLS} AS SELECT * FROM _replay_pulls").fetchall()
                staged[table] = f"({values_sql(_BATCH_PULLS)})"
    finally:
        con.unregister("_replay_pulls")
    return staged


def _replace_batch(con: duckdb.DuckDBPyConnection, staged: Mapping[str, str], repeated_accounts: bool) -> None:
    """Land consecutive pulls (in fetch order) as `_replace_records` would one by one, in bulk.

    Replaying pulls one after another leaves, for every value key, the rows of the last pull that
    reports that key (and the older rows of keys no pull reports). So: delete every API row whose
    key one of the pulls reports, and insert each key's rows from its latest pull only.
    """
    try:
        with transaction(con):
            for table, rows in staged.items():
                keys = ("platform", "account_id", *_VALUE_KEYS[table])
                matches = " AND ".join(f"t.{k} IS NOT DISTINCT FROM p.{k}" for k in keys)
                key_list = ", ".join(keys)
                # A row matched by several staged rows is deleted once: no DISTINCT needed (it cost
                # more than the join itself).
                con.execute(f"DELETE FROM {table} AS t USING {rows} AS p "
                            f"WHERE t.source = 'api' AND {matches}").fetchall()
                # Keys carry the account, so only an account pulled more than once in this batch can
                # report a key twice; otherwise every row is its key's latest and the window is skipped.
                latest_only = (f"QUALIFY _pull_order = max(_pull_order) OVER (PARTITION BY {key_list})"
                               if repeated_accounts else "")
                con.execute(f"INSERT INTO {table} BY NAME SELECT * EXCLUDE (_pull_order) FROM {rows} "
                            f"{latest_only}").fetchall()
                feed_summaries(con, table, rows)
    finally:
        for rows in [*staged.values(), _BATCH_PULLS]:
            if not rows.startswith("("):
                con.execute(f"DROP TABLE IF EXISTS {rows}").fetchall()
