"""benchmarks/api_pull.py on a tiny fleet: every platform is pulled, nothing fails, the figures
add up, and a limit that binds is enforced (throttled answers, then the accounts still load).
No timing is asserted."""

from __future__ import annotations

import collections
import importlib

bench = importlib.import_module("benchmarks.api_pull")


def test_the_rate_bound_is_whole_windows_after_the_first():
    counts = collections.Counter({("token", "a|"): 5, ("token", "b|"): 2, ("app", "app"): 7})
    # token limit 2 per 60 s at scale 60 (1 s windows): token a's 5 requests need floor(4/2) = 2 windows
    assert bench.rate_bound(counts, (bench.Limit("token", 2, 60, ""),), 60) == 2.0
    # app limit 3 per 900 s at scale 90 (10 s windows): 7 requests need floor(6/3) = 2 windows
    assert bench.rate_bound(counts, (bench.Limit("app", 3, 900, ""),), 90) == 20.0
    assert bench.rate_bound(counts, (bench.Limit("app", 7, 900, ""),), 90) == 0.0  # all in the first window


def test_accounts_are_spread_over_the_nine_platforms():
    assert bench.spread(200) == {"facebook": 23, "instagram": 23, **{p: 22 for p in bench.PLATFORMS[2:]}}
    assert sum(bench.spread(200).values()) == 200


def test_a_tiny_nightly_pull_loads_every_account(capsys, monkeypatch):
    # X: 3 requests per 900 s per app at scale 900 (1 s windows): 2 accounts x 2 requests must wait
    monkeypatch.setitem(bench.LIMITS, "x", (bench.Limit("app", 3, 900, "test"),))
    figures = bench.main(["--accounts", "18", "--latency", "0.01", "--time-scale", "900"])
    out = capsys.readouterr().out
    assert figures["failed_accounts"] == 0
    assert figures["retries"] >= 1  # the X limit was hit at least once
    assert figures["requests"] > 0 and figures["bound_s"] > 0
    for line in ("wall time:", "rate-limit bound:", "ratio wall / lower bound =", "per account-day:",
                 "retries (throttled answers):", "CPU per request: clients", "; emulators", "load average"):
        assert line in out
    for platform in bench.PLATFORMS:
        assert f"  {platform:<16} accounts   2" in out


def test_emulators_in_this_process_serve_the_same_requests(capsys):
    # the emulators run in a child process by default; --in-process keeps them here (the old setup)
    apart = bench.main(["--accounts", "9", "--latency", "0.01"])
    together = bench.main(["--accounts", "9", "--latency", "0.01", "--in-process"])
    out = capsys.readouterr().out
    assert "emulators in a separate process" in out and "emulators in this process" in out
    assert apart["requests"] == together["requests"] > 0
    assert apart["failed_accounts"] == together["failed_accounts"] == 0


def test_repeated_pulls_report_the_median_ratio(capsys):
    figures = bench.main(["--accounts", "9", "--latency", "0.01", "--runs", "3"])
    out = capsys.readouterr().out
    runs = next(line for line in out.splitlines() if line.startswith("runs: "))
    ratios = sorted(float(part.split("ratio ")[1].split(" ")[0]) for part in runs.split("; "))
    assert len(ratios) == 3
    assert round(figures["ratio"], 2) == ratios[1]
    assert figures["failed_accounts"] == 0
    assert figures["client_cpu_ms_per_request"] > 0 and figures["emulator_cpu_ms_per_request"] > 0
