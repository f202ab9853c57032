"""benchmarks/kpi_scale.py on a tiny size: it runs end to end, prints every figure, and the
hand-written statement it compares against returns exactly the rows of the catalogue SQL (an
independent cross-check of kpi.daily on generated data). No timing is asserted."""

from __future__ import annotations

import importlib

kpi_scale = importlib.import_module("benchmarks.kpi_scale")


def test_the_benchmark_runs_on_a_tiny_warehouse(tmp_path, capsys):
    figures = kpi_scale.main(["--accounts", "13", "--days", "45", "--runs", "1", "--dir", str(tmp_path)])
    out = capsys.readouterr().out
    # 13 accounts: brand_000 has 10 (every platform), brand_001 has 3; 45 days each
    assert figures["counts"]["core.account_daily"] == 13 * 45
    assert figures["backfill_days"] == 45
    assert figures["template_rows"] == figures["handwritten_rows"] == figures["rows_compared"] > 13 * 45 * 10
    assert figures["rows_differing"] == 0, figures["examples"]
    for line in ("(a) 45-day backfill of kpi.daily:", "ratio catalogue SQL / hand-written =",
                 "(b) one new day, 45 days of history:", "30 days of history:",
                 "(c) peak resident memory of a process doing the backfill,", "in one transaction:",
                 "time ratio ="):
        assert line in out
    assert figures["peak_backfill_mib"] > 0 and figures["peak_idle_mib"] > 0 and figures["peak_one_transaction_mib"] > 0


def test_the_handwritten_baseline_names_every_catalogue_kpi():
    """Adding a KPI to transforms/catalogue.py without the benchmark's independent baseline fails here.

    Post-level KPIs (kpi.posts, kpi_posts_daily.sql.j2) are not part of the kpi_daily.sql.j2 statement
    the baseline re-implements; the generated benchmark data has no posts.
    """
    from transforms.catalogue import KPIS

    text = (kpi_scale.SQL_DIR / "kpi_daily_handwritten.sql").read_text(encoding="utf-8")
    assert [k.name for k in KPIS if k.level != "post" and f"'{k.name}'" not in text] == []
    assert {k.name for k in KPIS if k.level == "post"} == {"engagement_rate_per_post"}
