"""One nightly API pull for many accounts across all nine platforms, against the emulators.

Every platform's emulator (tests/fakes) answers after --latency seconds (default 50 ms) and
enforces the platform's documented request limits, counted in sliding windows like the
platforms count them; --time-scale compresses every window (60: a 15-minute window lasts 15 s)
so a run takes seconds, not hours. Over a limit the emulator answers with the platform's own
throttle signal (Meta #17, X 429 + x-rate-limit-reset, TikTok 40100, Google 429), and the
clients react as in production. Each account pulls yesterday through `ingest.api.fetch_pull`
(the platform's lookback included), MAX_CONCURRENT_ACCOUNTS at a time per platform, all
platforms at once (one Dagster step each).

The emulators run in a child process (`--in-process` keeps them in this one): the clients and
the nine emulators would otherwise share one interpreter, and the emulators' CPU time (JSON,
HTTP parsing) would be counted as the clients' wall time.

Prints wall time; the lower bound (the larger of the rate-limit bound and the latency bound);
wall / bound; requests per account-day; retries (throttled answers); failed accounts; the CPU
time per request of the clients and of the emulators (both share the machine's cores); the load
average. `--runs N` repeats the pull on fresh emulators and reports the median ratio: on a shared
machine one run's ratio moves by 0.1-0.2 with the other processes' load.
- rate-limit bound: for each enforced limit of L requests per window W (scaled) and the n
  requests that counted against it, floor((n - 1) / L) * W: the first L go at once, every
  further L waits one window. The largest over every limit, token and platform.
- latency bound: per platform, the larger of the busiest account's requests x latency (one
  account's requests are sequential) and all its requests x latency / MAX_CONCURRENT_ACCOUNTS.

    .venv/bin/python benchmarks/api_pull.py                        # 200 accounts, time scale 60
    .venv/bin/python benchmarks/api_pull.py --runs 3               # the median of three pulls
    .venv/bin/python benchmarks/api_pull.py --accounts 18 --time-scale 600
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import datetime as dt
import math
import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from multiprocessing.connection import Connection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from connectors.base import ApiAccount, load_connectors  # noqa: E402
from ingest.api import fetch_pull  # noqa: E402
from pipelines.api_assets import MAX_CONCURRENT_ACCOUNTS  # noqa: E402
from tests.fakes import Reply, SeenRequest  # noqa: E402
from tests.fakes import google as google_fake  # noqa: E402
from tests.fakes import linkedin as linkedin_fake  # noqa: E402
from tests.fakes import meta as meta_fake  # noqa: E402
from tests.fakes import tiktok as tiktok_fake  # noqa: E402
from tests.fakes import x as x_fake  # noqa: E402
from tests.fakes import youtube as youtube_fake  # noqa: E402

PLATFORMS = ("facebook", "instagram", "meta_ads", "x", "linkedin", "youtube", "tiktok", "google_business", "ga4")


@dataclasses.dataclass(frozen=True)
class Limit:
    """`requests` per `window` seconds, counted per access token ("token") or for the app."""

    scope: str
    requests: int
    window: float
    source: str


# The limits each emulator enforces. LinkedIn and YouTube Analytics publish no numbers (they
# live in the developer console [docs]): not enforced.
LIMITS: dict[str, tuple[Limit, ...]] = {
    "facebook": (Limit("token", 200, 3600, "Graph platform limit: 200 calls per user per hour [docs]"),),
    "instagram": (Limit("token", 200, 3600, "Graph platform limit: 200 calls per user per hour [docs]"),),
    "meta_ads": (Limit("token", 200, 3600, "Graph platform limit: 200 calls per user per hour [docs]"),),
    "x": (Limit("token", 900, 900, "user timeline / user lookup: 900 per 15 min per user [docs]"),
          Limit("app", 1500, 900, "user timeline: 1,500 per 15 min per app [docs]")),
    "linkedin": (),
    "youtube": (),
    "tiktok": (Limit("token", 40, 60, "40 QPM per account per endpoint [code]"),
               Limit("app", 600, 60, "600 QPM across the Accounts endpoints [code]")),
    "google_business": (Limit("app", 300, 60, "300 QPM per project [unverified]"),),
    "ga4": (Limit("app", 600, 60, "Core reporting tokens: 10 per request assumed, 6,000 per hour [unverified]"),),
}


def rate_bound(counts: collections.Counter[tuple[str, str]], limits: tuple[Limit, ...], scale: float) -> float:
    """The shortest time the counted requests can take under `limits`: floor((n - 1) / L) * W."""
    bound = 0.0
    for limit in limits:
        for (scope, _key), n in counts.items():
            if scope == limit.scope and n > 0:
                bound = max(bound, ((n - 1) // limit.requests) * limit.window / scale)
    return bound


class Throttled:
    """Wraps an emulator handler: latency, per-token and per-app sliding windows, throttle replies."""

    def __init__(self, platform: str, inner: Callable[[SeenRequest], Reply], valid_token: str, scale: float,
                 latency: float, limits: tuple[Limit, ...]) -> None:
        self.platform, self.inner, self.valid_token = platform, inner, valid_token
        self.scale, self.latency, self.limits = scale, latency, limits
        self._lock = threading.Lock()
        self._seen: dict[tuple[int, str], collections.deque[float]] = collections.defaultdict(collections.deque)
        self.counts: collections.Counter[tuple[str, str]] = collections.Counter()
        self.per_account: collections.Counter[str] = collections.Counter()
        self.throttled = 0

    def token_of(self, request: SeenRequest) -> str:
        return (request.query.get("access_token") or request.headers.get("Access-Token")
                or request.headers.get("Authorization", "").removeprefix("Bearer ") or "")

    def __call__(self, request: SeenRequest) -> Reply:
        time.sleep(self.latency)
        token = self.token_of(request)
        if request.method == "POST" and ("token" in request.path.lower()):
            return self.inner(request)  # token endpoints are not counted
        endpoint = request.path if self.platform == "tiktok" else ""  # TikTok counts per endpoint
        now = time.monotonic()
        with self._lock:
            for number, limit in enumerate(self.limits):
                key = (number, f"{token}|{endpoint}" if limit.scope == "token" else "app")
                window, seen = limit.window / self.scale, self._seen[key]
                while seen and seen[0] <= now - window:
                    seen.popleft()
                if len(seen) >= limit.requests:
                    self.throttled += 1
                    return self.throttle_reply(seen[0] + window - now)
            for number, limit in enumerate(self.limits):
                self._seen[(number, f"{token}|{endpoint}" if limit.scope == "token" else "app")].append(now)
            self.counts[("token", f"{token}|{endpoint}")] += 1
            self.counts[("app", "app")] += 1
            self.per_account[token] += 1
        # Every account has its own token (the limits count per token); the emulator knows one.
        query = {k: (self.valid_token if k == "access_token" else v) for k, v in request.query.items()}
        headers = dict(request.headers)
        if "Access-Token" in headers:
            headers["Access-Token"] = self.valid_token
        if "Authorization" in headers:
            headers["Authorization"] = f"Bearer {self.valid_token}"
        return self.inner(dataclasses.replace(request, query=query, headers=headers))

    def throttle_reply(self, wait: float) -> Reply:
        if self.platform in ("facebook", "instagram", "meta_ads"):
            return meta_fake.error_reply(17, "(#17) User request limit reached", status=400)
        if self.platform == "x":
            reset = math.ceil(time.time() + wait)
            return Reply(429, {"title": "Too Many Requests", "status": 429, "detail": "Too Many Requests"},
                         headers={"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)})
        if self.platform == "tiktok":
            return tiktok_fake.envelope(40100, "App reaches the QPS limit.")
        return google_fake.google_error(429, "RESOURCE_EXHAUSTED", "Quota exceeded", "rateLimitExceeded")


@dataclasses.dataclass
class Fleet:
    """The running emulators, their throttling wrappers and the accounts pointed at them."""

    wrappers: dict[str, Throttled]
    accounts: dict[str, list[ApiAccount]]


def _seed_and_accounts(platform: str, emulator: object, n: int, today: dt.date) -> list[ApiAccount]:
    """`n` accounts with a few days of data and a few posts each, on `emulator`."""
    days = [today - dt.timedelta(days=d) for d in range(1, 8)]
    posted = [dt.datetime.combine(today - dt.timedelta(days=d), dt.time(12), dt.UTC) for d in (2, 5, 9)]
    out = []
    for i in range(n):
        account_id = f"{PLATFORMS.index(platform) + 1}{i:05d}"  # unique across Meta's shared emulator
        token = f"bench-{platform}-{i}"
        if platform == "facebook":
            emulator.pages[account_id] = meta_fake.FakePage(account_id, daily={
                "page_media_view": {d: 1000 + i for d in days}, "page_follows": {d: 5000 + i for d in days}},
                posts=[meta_fake.FakePost(f"{account_id}_{k}", t, reactions=10, comments=2, shares=1,
                                          insights={"post_media_view": 300})
                       for k, t in enumerate(posted)])
            out.append(emulator.account("facebook", account_id, token=token))
        elif platform == "instagram":
            emulator.ig_users[account_id] = meta_fake.FakeIgUser(account_id, followers_count=900 + i, daily={
                "views": {d: 700 for d in days}, "reach": {d: 500 for d in days}},
                media=[meta_fake.FakeMedia(f"{account_id}{k}", t, insights={"views": 120, "likes": 9})
                       for k, t in enumerate(posted)])
            out.append(emulator.account("instagram", account_id, token=token))
        elif platform == "meta_ads":
            emulator.ad_accounts[account_id] = meta_fake.FakeAdAccount(account_id, rows=[
                {"campaign_id": "1", "campaign_name": "c", "date_start": d.isoformat(), "date_stop": d.isoformat(),
                 "spend": "12.5", "impressions": "1000", "reach": "800", "clicks": "20"} for d in days])
            out.append(emulator.account("meta_ads", f"act_{account_id}", token=token))
        elif platform == "x":
            emulator.users[account_id] = x_fake.FakeXUser(account_id, followers_count=300 + i, tweets=[
                x_fake.FakeTweet(f"{account_id}{k}", t, public={"impression_count": 100, "like_count": 3})
                for k, t in enumerate(posted)])
            out.append(emulator.account(account_id, token=token))
        elif platform == "linkedin":
            emulator.organizations[account_id] = linkedin_fake.FakeOrganization(
                account_id, followers=2000 + i,
                shares={d: {"impressionCount": 300, "clickCount": 4, "likeCount": 6, "commentCount": 1,
                            "shareCount": 0, "engagement": 0.0367} for d in days},
                follower_gains={d: (3, 0) for d in days},
                page_views={d: {"allPageViews": {"pageViews": 40, "uniquePageViews": 22}} for d in days})
            emulator.valid_tokens.add(token)
            out.append(emulator.account(account_id, token=token))
        elif platform == "youtube":
            channel = f"UC{account_id:0>22}"
            emulator.channels[channel] = youtube_fake.FakeChannel(channel, daily={
                d: {"views": 500, "likes": 20, "comments": 3, "shares": 1, "subscribersGained": 4,
                    "subscribersLost": 1} for d in days},
                videos={f"vid{k}{account_id}": {"views": 900} for k in range(3)})
            out.append(emulator.account(channel, token=token))
        elif platform == "tiktok":
            emulator.accounts[account_id] = tiktok_fake.FakeBusinessAccount(account_id, followers_count=1000, daily={
                d: {"video_views": 800, "likes": 40, "comments": 4, "shares": 2, "daily_total_followers": 1000}
                for d in days}, videos=[tiktok_fake.FakeVideo(f"7{account_id}{k}", t, counters={"video_views": 400})
                                        for k, t in enumerate(posted)])
            emulator.valid_tokens.add(token)
            out.append(emulator.account(account_id, token=token))
        elif platform == "google_business":
            stamp = f"{days[1].isoformat()}T10:00:00Z"
            emulator.reviews[(account_id, "1")] = [google_fake.FakeReview(f"r{account_id}", "FIVE", stamp, stamp, "ok")]
            out.append(emulator.account("google_business", account_id, token=token, options={"location_ids": ["1"]}))
        elif platform == "ga4":
            emulator.ga4_rows[account_id] = {(d.strftime("%Y%m%d"), "t.co"): {
                "sessions": 30, "engagedSessions": 20, "keyEvents": 1, "totalRevenue": 10} for d in days}
            out.append(emulator.account("ga4", account_id, token=token))
    return out


def _emulators() -> dict[str, tuple[object, str]]:
    """platform -> (emulator, its valid token); Meta's three platforms and Google's two share one."""
    meta, google = meta_fake.MetaGraphEmulator(), google_fake.GoogleEmulator()
    return {"facebook": (meta, meta_fake.VALID_TOKEN), "instagram": (meta, meta_fake.VALID_TOKEN),
            "meta_ads": (meta, meta_fake.VALID_TOKEN), "x": (x_fake.XApiEmulator(), x_fake.VALID_TOKEN),
            "linkedin": (linkedin_fake.LinkedInEmulator(), linkedin_fake.VALID_TOKEN),
            "youtube": (youtube_fake.YouTubeAnalyticsEmulator(), google_fake.VALID_TOKEN),
            "tiktok": (tiktok_fake.TikTokBusinessEmulator(), tiktok_fake.VALID_TOKEN),
            "google_business": (google, google_fake.VALID_TOKEN), "ga4": (google, google_fake.VALID_TOKEN)}


@dataclasses.dataclass
class Wiring:
    """One handler per server that sends each request to its platform's Throttled wrapper."""

    routes: list[tuple[Callable[[SeenRequest], bool], Throttled]]

    def __call__(self, request: SeenRequest) -> Reply:
        for matches, wrapper in self.routes:
            if matches(request):
                return wrapper(request)
        return self.routes[-1][1](request)


def _meta_platform(request: SeenRequest) -> str:
    path = request.path
    if "/act_" in path:
        return "meta_ads"
    token = request.query.get("access_token", "")
    return "instagram" if "-instagram-" in token else "facebook"


def start_fleet(stack: ExitStack, per_platform: dict[str, int], today: dt.date, scale: float,
                latency: float) -> Fleet:
    emulators = _emulators()
    wrappers = {p: Throttled(p, emulators[p][0].handle, emulators[p][1], scale, latency, LIMITS[p])  # type: ignore[attr-defined]
                for p in PLATFORMS}
    servers: dict[int, tuple[object, list[str]]] = {}
    for platform in PLATFORMS:
        emulator = emulators[platform][0]
        servers.setdefault(id(emulator), (emulator, []))[1].append(platform)
    for emulator, platforms in servers.values():
        if set(platforms) == {"facebook", "instagram", "meta_ads"}:
            routes = [(lambda r, p=p: _meta_platform(r) == p, wrappers[p]) for p in platforms]
        elif set(platforms) == {"google_business", "ga4"}:
            routes = [(lambda r: ":runReport" in r.path, wrappers["ga4"]),
                      (lambda r: True, wrappers["google_business"])]
        else:
            routes = [(lambda r: True, wrappers[platforms[0]])]
        emulator.server.handler = Wiring(routes)  # type: ignore[attr-defined]
        stack.enter_context(emulator.server)  # type: ignore[attr-defined]
    accounts = {p: _seed_and_accounts(p, emulators[p][0], per_platform[p], today) for p in PLATFORMS}
    return Fleet(wrappers, accounts)


@dataclasses.dataclass
class Served:
    """What the emulators counted: per platform, its requests per token/app and per account, the
    throttled answers and the limits it enforced."""

    counts: collections.Counter[tuple[str, str]]
    per_account: collections.Counter[str]
    throttled: int
    limits: tuple[Limit, ...]

    @classmethod
    def of(cls, wrapper: Throttled) -> Served:
        return cls(wrapper.counts, wrapper.per_account, wrapper.throttled, wrapper.limits)


def _serve_fleet(conn: Connection, per_platform: dict[str, int], today: dt.date,
                 scale: float, latency: float) -> None:
    """Child process: run the emulators, send the accounts, serve until told to stop, send the
    counts and the CPU time serving took."""
    with ExitStack() as stack:
        fleet = start_fleet(stack, per_platform, today, scale, latency)
        conn.send(fleet.accounts)
        started = time.process_time()
        conn.recv()
        conn.send(({p: Served.of(w) for p, w in fleet.wrappers.items()}, time.process_time() - started))


def spread(total: int) -> dict[str, int]:
    """`total` accounts over the nine platforms, as evenly as possible."""
    base, extra = divmod(total, len(PLATFORMS))
    return {p: base + (1 if i < extra else 0) for i, p in enumerate(PLATFORMS)}


def pull_platform(platform: str, accounts: list[ApiAccount], day: dt.date,
                  registry: dict) -> tuple[int, dict[str, str]]:
    """Pull every account of one platform like the `<platform>_api` step; (account-days, failures)."""
    connector = registry[platform]
    failures: dict[str, str] = {}
    account_days = 0
    with ThreadPoolExecutor(max_workers=MAX_CONCURRENT_ACCOUNTS) as pool:
        futures = {a.account_id: pool.submit(fetch_pull, connector, a, day, day) for a in accounts}
        for account_id, future in futures.items():
            try:
                pull = future.result()
                account_days += (pull.end - pull.start).days + 1
            except Exception as exc:  # reported, like the pipeline step does
                failures[account_id] = f"{type(exc).__name__}: {exc}"
    return account_days, failures


@dataclasses.dataclass
class Run:
    """One nightly pull: wall time, the pull's CPU time in this process and in the emulators'
    (None when they run in this process), what the emulators served, each platform's outcome."""

    wall: float
    client_cpu: float
    emulator_cpu: float | None
    served: dict[str, Served]
    outcome: dict[str, tuple[int, dict[str, str]]]


def pull_once(per_platform: dict[str, int], today: dt.date, registry: dict, args: argparse.Namespace) -> Run:
    day = today - dt.timedelta(days=1)

    def pull_all(accounts: dict[str, list[ApiAccount]]) -> tuple[float, float, dict[str, tuple[int, dict[str, str]]]]:
        started, cpu = time.perf_counter(), time.process_time()
        with ThreadPoolExecutor(max_workers=len(PLATFORMS)) as pool:
            results = {p: pool.submit(pull_platform, p, accounts[p], day, registry) for p in PLATFORMS}
            outcome = {p: f.result() for p, f in results.items()}
        return time.perf_counter() - started, time.process_time() - cpu, outcome

    if args.in_process:
        with ExitStack() as stack:
            fleet = start_fleet(stack, per_platform, today, args.time_scale, args.latency)
            wall, cpu, outcome = pull_all(fleet.accounts)
        return Run(wall, cpu, None, {p: Served.of(w) for p, w in fleet.wrappers.items()}, outcome)
    # fork: the child inherits this module as it is (LIMITS included) and starts no interpreter
    ours, theirs = multiprocessing.Pipe()
    child = multiprocessing.get_context("fork").Process(
        target=_serve_fleet, args=(theirs, per_platform, today, args.time_scale, args.latency), daemon=True)
    child.start()
    try:
        wall, cpu, outcome = pull_all(ours.recv())
        ours.send("stop")
        served, emulator_cpu = ours.recv()
    finally:
        child.join(timeout=30)
        if child.is_alive():
            child.terminate()
    return Run(wall, cpu, emulator_cpu, served, outcome)


def figures_of(run: Run, args: argparse.Namespace) -> dict[str, float]:
    served = run.served
    requests = sum(w.counts[("app", "app")] for w in served.values())
    account_days = sum(days for days, _ in run.outcome.values())
    rate = max(rate_bound(w.counts, w.limits, args.time_scale) for w in served.values())
    latency_bound = max(
        max(max(w.per_account.values(), default=0) * args.latency,
            sum(w.per_account.values()) * args.latency / MAX_CONCURRENT_ACCOUNTS)
        for w in served.values())
    bound = max(rate, latency_bound)
    return {"accounts": float(args.accounts), "wall_s": run.wall, "requests": float(requests),
            "rate_bound_s": rate, "latency_bound_s": latency_bound, "bound_s": bound,
            "ratio": run.wall / bound if bound else math.inf,
            "requests_per_account_day": requests / account_days,
            "retries": float(sum(w.throttled for w in served.values())),
            "failed_accounts": float(sum(len(failures) for _, failures in run.outcome.values())),
            "client_cpu_ms_per_request": run.client_cpu * 1000 / requests if requests else math.nan,
            "emulator_cpu_ms_per_request": (run.emulator_cpu * 1000 / requests
                                            if requests and run.emulator_cpu is not None else math.nan)}


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds before every answer")
    parser.add_argument("--time-scale", type=float, default=60.0, help="limit windows are divided by this")
    parser.add_argument("--in-process", action="store_true",
                        help="run the emulators in this process (they then share its CPU time with the clients)")
    parser.add_argument("--runs", type=int, default=1, help="pulls on fresh emulators; the median ratio is reported")
    args = parser.parse_args(argv)

    registry = load_connectors()
    today = dt.datetime.now(dt.UTC).date()
    per_platform = spread(args.accounts)
    load_before = os.getloadavg()[0]
    runs = [pull_once(per_platform, today, registry, args) for _ in range(max(args.runs, 1))]
    load_after = os.getloadavg()[0]
    all_figures = [figures_of(run, args) for run in runs]
    ratios = [f["ratio"] for f in all_figures]
    median_run = sorted(range(len(runs)), key=lambda i: ratios[i])[len(runs) // 2]  # the upper one of two
    run, figures = runs[median_run], all_figures[median_run]
    failed = {f"{p}/{a}": why for r in runs for p, (_, failures) in r.outcome.items() for a, why in failures.items()}

    print(f"nightly pull of {args.accounts} accounts over {len(PLATFORMS)} platforms (yesterday + lookback); "
          f"latency {args.latency * 1000:.0f} ms, limit windows / {args.time_scale:g}; emulators "
          f"{'in this process' if args.in_process else 'in a separate process'}; "
          f"load average {load_before:.1f} before, {load_after:.1f} after")
    for p in PLATFORMS:
        w = run.served[p]
        print(f"  {p:<16} accounts {per_platform[p]:>3}  requests {w.counts[('app', 'app')]:>5}  "
              f"throttled {w.throttled:>4}  failed {len(run.outcome[p][1])}")
    if len(runs) > 1:
        print("runs: " + "; ".join(f"wall {f['wall_s']:.2f} s, ratio {f['ratio']:.2f}" for f in all_figures)
              + " (median run shown below)")
    print(f"wall time: {figures['wall_s']:.2f} s")
    print(f"rate-limit bound: {figures['rate_bound_s']:.2f} s; latency bound: {figures['latency_bound_s']:.2f} s; "
          f"lower bound {figures['bound_s']:.2f} s")
    print(f"ratio wall / lower bound = {figures['ratio']:.2f} (target <= 1.3)")
    print(f"requests: {figures['requests']:.0f}; per account-day: {figures['requests_per_account_day']:.2f}")
    print(f"retries (throttled answers): {figures['retries']:.0f}; failed accounts: {len(failed)}")
    emulators = ("" if args.in_process else
                 f"; emulators {figures['emulator_cpu_ms_per_request']:.2f} ms")
    print(f"CPU per request: {'clients and emulators' if args.in_process else 'clients'} "
          f"{figures['client_cpu_ms_per_request']:.2f} ms{emulators}")
    for name, why in sorted(failed.items())[:10]:
        print(f"  failed {name}: {why}")
    figures["failed_accounts"] = float(len(failed))  # over every run, not only the median one
    return figures


if __name__ == "__main__":
    main()
