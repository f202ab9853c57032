"""benchmarks/run_overhead.py on 3 days without the UI part: it runs `socialkpi run` in a fresh
process and reads the step times back from the instance. No timing is asserted."""

from __future__ import annotations

import importlib

run_overhead = importlib.import_module("benchmarks.run_overhead")


def test_the_benchmark_times_a_cli_run_against_its_steps(capsys):
    figures = run_overhead.main(["--days", "3", "--skip-ui"])
    cli = figures["cli"]
    assert {"export_files", "core_account_daily", "kpi_daily", "analytics_snapshot"} <= set(cli["steps"])
    assert cli["wall_s"] > cli["steps_s"] > 0
    assert cli["ratio"] == cli["wall_s"] / cli["steps_s"]
    assert "ui" not in figures
    assert "(a) socialkpi run, 3 days x 3 accounts:" in capsys.readouterr().out
