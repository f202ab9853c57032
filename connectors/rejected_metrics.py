"""Metrics an API rejected, remembered per account so the next pull does not ask for them again.

Platforms retire or withhold metrics one at a time (Meta #100, a YouTube metric not offered for
day reports, a GA4 metric renamed, a TikTok field not granted). Asking for a rejected metric
again every night costs a failed request (and, where the error does not name the metric, one
request per metric to find it), so the first rejection is kept in a small JSON file beside the
OAuth token cache (never in the warehouse: it is client state, not data):

    {"version": 1, "accounts": {"<platform>/<account_id>": {"<scope>:<metric>":
        {"reason": "...", "rejected_on": "2026-11-20"}}}}

`scope` separates the requests of one client (YouTube "day" vs "video" reports). A remembered
rejection is tried again after `RETRY_AFTER_DAYS`, so a metric the platform restores comes back.
The file holds no secrets (reasons are redacted error messages); it is written like the token
cache: a thread lock, an `flock` on `<file>.lock`, and an atomic rename.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from connectors.base import ApiAccount, RawPage
from connectors.http import ApiError
from connectors.state_files import locked, write_json

logger = logging.getLogger(__name__)

FILE_VERSION = 1
FILE_NAME = "rejected_metrics.json"
RETRY_AFTER_DAYS = 30  # a rejected metric is asked for again after this many days

def memory_path(options: Mapping[str, object]) -> Path | None:
    """`options["rejected_metrics_file"]`, else `rejected_metrics.json` beside `token_cache`."""
    explicit = options.get("rejected_metrics_file")
    if explicit:
        return Path(str(explicit)).expanduser()
    cache = options.get("token_cache")
    return Path(str(cache)).expanduser().with_name(FILE_NAME) if cache else None


class RejectedMetrics:
    """One account's remembered rejections, backed by the JSON file (or memory only, without one).

    Without a file (tests, ad-hoc pulls) rejections still hold for the life of the object, so
    later windows of the same fetch skip the metric.
    """

    def __init__(self, path: Path | None, platform: str, account_id: str,
                 today: Callable[[], dt.date]) -> None:
        self.path = path
        self.key = f"{platform}/{account_id}"
        self._today = today
        self._entries: dict[str, dict[str, str]] = {}
        self._lock = threading.Lock()
        if path is not None:
            self._entries = dict(self._read_all().get(self.key, {}))

    @classmethod
    def for_account(cls, account: ApiAccount, today: Callable[[], dt.date]) -> RejectedMetrics:
        return cls(memory_path(account.options), account.platform, account.account_id, today)

    def scope(self, name: str) -> RejectedScope:
        return RejectedScope(self, name)

    def is_rejected(self, scope: str, metric: str) -> bool:
        with self._lock:
            entry = self._entries.get(f"{scope}:{metric}")
        if entry is None:
            return False
        try:
            since = dt.date.fromisoformat(entry.get("rejected_on", ""))
        except ValueError:
            return True
        return (self._today() - since).days < RETRY_AFTER_DAYS

    def rejected(self) -> dict[str, dict[str, str]]:
        """`scope:metric` -> {reason, rejected_on} (what the file holds for this account)."""
        with self._lock:
            return {k: dict(v) for k, v in self._entries.items()}

    def reject(self, scope: str, metric: str, reason: str) -> None:
        entry = {"reason": reason, "rejected_on": self._today().isoformat()}
        with self._lock:
            self._entries[f"{scope}:{metric}"] = entry
        if self.path is None:
            return
        with locked(self.path):
            content = self._read_all()
            account = dict(content.get(self.key, {}))
            account[f"{scope}:{metric}"] = entry
            content[self.key] = account
            self._write_all(content)

    # -- the file -------------------------------------------------------------------------------

    def _read_all(self) -> dict[str, dict[str, dict[str, str]]]:
        assert self.path is not None
        try:
            content = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except ValueError:
            logger.warning("rejected-metrics file %s is not valid JSON; it is ignored and rewritten", self.path)
            return {}
        accounts = content.get("accounts") if isinstance(content, dict) else None
        if not isinstance(accounts, dict):
            return {}
        return {k: v for k, v in accounts.items() if isinstance(v, dict)}

    def _write_all(self, accounts: Mapping[str, object]) -> None:
        assert self.path is not None
        write_json(self.path, {"version": FILE_VERSION, "accounts": accounts})


class RejectedScope:
    """The rejections of one request kind, used like a set of metric names."""

    def __init__(self, memory: RejectedMetrics, name: str) -> None:
        self.memory = memory
        self.name = name

    def __contains__(self, metric: object) -> bool:
        return isinstance(metric, str) and self.memory.is_rejected(self.name, metric)

    def add(self, metric: str, reason: str = "") -> None:
        self.memory.reject(self.name, metric, reason)


# A request for some metrics; raises ApiError (with .page) when the API refuses it.
MetricRequest = Callable[[Sequence[str]], RawPage]
# Is this error the API rejecting a metric (its documented error), rather than anything else?
IsRejection = Callable[[ApiError], bool]
# The rejected metric the error names, among those requested, or None when it does not say.
NamedMetric = Callable[[ApiError, Sequence[str]], str | None]


def never_named(_exc: ApiError, _requested: Sequence[str]) -> str | None:
    return None


def fetch_dropping_rejected(request: MetricRequest, metrics: Sequence[str], rejected: RejectedScope | set[str],
                            *, is_rejection: IsRejection, named: NamedMetric = never_named,
                            platform: str = "", log_prefix: str = "") -> list[RawPage]:
    """Request `metrics` together; drop each metric the API rejects and keep the others.

    When the error names the metric, it is dropped and the rest asked for again. When it does
    not (Meta #100, YouTube "query is not supported"), each metric is asked for alone to find
    it. A rejected metric's error page is returned (landed in raw.api_pages for lineage) and the
    metric is remembered in `rejected`, so later windows and later pulls skip it.
    """
    wanted = [m for m in metrics if m not in rejected]
    skipped = [m for m in metrics if m not in wanted]
    if skipped:
        logger.info("%sskipping metric(s) the %s API rejected earlier: %s", log_prefix, platform, ", ".join(skipped))
    pages: list[RawPage] = []

    def drop(metric: str, exc: ApiError) -> None:
        logger.warning("%smetric %s rejected by the %s API, skipped (the other metrics load): %s",
                       log_prefix, metric, platform, exc.reason)
        if isinstance(rejected, set):
            rejected.add(metric)
        else:
            rejected.add(metric, exc.reason)
        assert exc.page is not None
        pages.append(exc.page)

    while wanted:
        try:
            pages.append(request(wanted))
            return pages
        except ApiError as exc:
            if exc.page is None or not is_rejection(exc):
                raise
            name = named(exc, wanted)
            if name in wanted:
                drop(name, exc)
                wanted.remove(name)
                continue
            if len(wanted) == 1:
                drop(wanted[0], exc)
                return pages
            break
    # The error did not say which: ask for each one alone. When every one fails alone, the
    # request itself is wrong (not a metric): that error stands and nothing is remembered.
    alone: list[RawPage] = []
    failed: list[tuple[str, ApiError]] = []
    for metric in wanted:
        try:
            alone.append(request([metric]))
        except ApiError as exc:
            if exc.page is None or not is_rejection(exc):
                raise
            failed.append((metric, exc))
    if failed and not alone:
        raise failed[0][1]
    for metric, exc in failed:
        drop(metric, exc)
    return pages + alone


def metric_named_in(message: str, requested: Sequence[str]) -> str | None:
    """The requested metric an error message names (the first one it mentions), or None.

    Whole names only: `views` is not found inside `engagedViews`.
    """
    found = []
    for metric in requested:
        match = re.search(rf"(?<![A-Za-z0-9_.:]){re.escape(metric)}(?![A-Za-z0-9_])", message)
        if match:
            found.append((match.start(), metric))
    return min(found)[1] if found else None


REJECTION_PHRASE = "was rejected by the"


def rejection_note(platform: str, metric: str, message: str) -> str:
    """The `notes` line (run summary) for a metric the API rejected."""
    return (f"{platform}: metric {metric} {REJECTION_PHRASE} API ({message}); it was skipped and is "
            "remembered for this account, the other metrics loaded")


def rejection_notes(notes: Sequence[str]) -> list[str]:
    """The notes of a pull that name a rejected metric (Meta's and the other clients')."""
    return [note for note in notes if f" {REJECTION_PHRASE} " in note and ": metric " in note]
