"""benchmarks/startup.py with one run: the definitions load in a fresh process without opening a
socket or the warehouse. No timing is asserted."""

from __future__ import annotations

import importlib

startup = importlib.import_module("benchmarks.startup")


def test_the_benchmark_loads_the_definitions_in_a_fresh_process(capsys):
    figures = startup.main(["--runs", "1"])
    out = capsys.readouterr().out
    assert figures["assets"] > 5
    assert figures["warehouse_opened"] is False
    assert figures["heavy_modules"] == []
    assert figures["load_s"] > 0 and figures["dagster_s"] > 0
    assert "(a) definitions loaded in" in out and "(b) `import dagster` alone:" in out
