"""`socialkpi run` as a user runs it: the `refresh` job with its checks, a summary, exit codes."""

from __future__ import annotations

import datetime as dt
import gc
import shutil
import sys

import dagster as dg
import duckdb
import pytest

from pipelines.build import REFRESH_JOB
from pipelines.cli import main
from pipelines.demo import write_demo
from pipelines.run_summary import EXIT_CHECKS, EXIT_FAILED, EXIT_OK, SUMMARY_TAG_PREFIX
from tests.fakes.meta import EXPIRED_TOKEN, VALID_TOKEN, FakePage

pytest_plugins = ["tests.fakes.meta"]

D = dt.date
FIRST, LAST = D(2025, 1, 1), D(2025, 1, 8)
FACEBOOK = ("facebook", "100000000000001")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The demo for 1-8 January 2025, built once by `socialkpi run`, with its own Dagster home."""
    folder = tmp_path_factory.mktemp("built")
    config = write_demo(folder, FIRST, LAST)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DAGSTER_HOME", str(folder / "dagster_home"))
        assert main(["run", "--start", str(FIRST), "--end", str(LAST), "--config", str(config)]) == EXIT_OK
    return folder


@pytest.fixture
def demo(built, tmp_path, monkeypatch):
    shutil.copytree(built, tmp_path / "demo")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "demo" / "dagster_home"))
    return tmp_path / "demo"


def set_raw(folder, platform, account_id, day, metric, value):
    with duckdb.connect(str(folder / "warehouse.duckdb")) as con:
        con.execute("UPDATE raw.account_daily_values SET value = ? "
                    "WHERE platform = ? AND account_id = ? AND date = ? AND metric = ?",
                    [value, platform, account_id, day, metric])


def run(folder, day, *extra):
    return main(["--config", str(folder / "socialkpi.yaml"), "run", "--start", str(day), "--end", str(day), *extra])


def last_run(folder):
    with dg.DagsterInstance.from_config(str(folder / "dagster_home")) as instance:
        return instance.get_runs(limit=1)[0]


def test_clean_run_is_the_refresh_job_with_checks_and_a_summary(demo, capsys):
    assert run(demo, LAST) == EXIT_OK
    out = capsys.readouterr().out
    assert "checks: 5 passed, 0 warned, 0 failed" in out  # no API account: no api_fresh_* check
    assert "files: 0 loaded, 0 quarantined, 0 refused, 0 skipped, 0 conflicts, 16 already loaded" in out
    assert "partitions built: 1" in out
    assert "[1/14] export_files succeeded" in out  # plain progress lines: pytest's stdout is no terminal
    assert "exit code 0" in out
    record = last_run(demo)
    assert record.job_name == REFRESH_JOB
    assert record.tags[f"{SUMMARY_TAG_PREFIX}checks"] == "passed=5 warned=0 failed=0"
    assert record.tags["dagster/max_retries"] == "0"  # the daemon does not re-run what the user saw fail
    assert gc.get_freeze_count() == 0  # frozen during the run only: a caller that goes on collects again


def test_the_program_exits_with_the_commands_code_without_a_last_full_collection(tmp_path, monkeypatch, capsys):
    from pipelines.cli import entry

    monkeypatch.setattr(sys, "argv", ["socialkpi", "run", "--config", str(tmp_path / "missing.yaml"),
                                      "--start", "2025-01-01", "--end", "2025-01-02"])
    try:
        with pytest.raises(SystemExit) as exited:
            entry()
        assert exited.value.code == 2  # main()'s code: a config error
        assert gc.get_freeze_count() > 0  # what the interpreter's exit would otherwise walk
    finally:
        gc.unfreeze()
    assert "config error" in capsys.readouterr().err


def test_blocking_check_exits_1_and_names_the_check(demo, capsys):
    set_raw(demo, *FACEBOOK, LAST, "reach", -7)
    assert run(demo, LAST) == EXIT_FAILED
    out = capsys.readouterr().out
    assert "FAILED (blocking) core_account_daily:non_negative_counts: 1 negative counts" in out
    assert ("not run (after a failure or a blocking check): kpi_daily, kpi_baselines, "
            "kpi_daily_kpis_within_bounds, kpi_target_progress, analytics_snapshot, flash_report") in out
    assert ": FAILED in" in out


def test_warned_check_exits_0_and_an_error_check_exits_3(demo, capsys):
    set_raw(demo, "x", "acme", LAST, "followers_gained", 100_000)  # ~8,200 followers the day before
    assert run(demo, LAST) == EXIT_OK
    out = capsys.readouterr().out
    assert "checks: 4 passed, 1 warned, 0 failed" in out
    assert "WARN core_account_daily:followers_continuity" in out

    set_raw(demo, *FACEBOOK, LAST, "clicks", 10**9)  # ctr far above 100 %
    assert run(demo, LAST) == EXIT_CHECKS
    assert "FAILED kpi_daily:kpis_within_bounds" in capsys.readouterr().out


def test_missing_token_is_a_warning_in_the_summary_and_status(demo, capsys, monkeypatch):
    monkeypatch.delenv("ACME_IG_TOKEN", raising=False)
    path = demo / "socialkpi.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "targets:\n", '  - {platform: instagram, account_id: "178400", brand: acme, token_env: ACME_IG_TOKEN}\n'
        'targets:\n', 1), encoding="utf-8")
    # the skipped account's API data never arrives: the freshness check fails (ERROR, not blocking)
    assert run(demo, LAST) == EXIT_CHECKS
    out = capsys.readouterr().out
    since = LAST - dt.timedelta(days=3)  # lookback_days
    assert f"FAILED instagram_api:api_fresh_178400: instagram/178400 has no API data since {since} (last: never)" in out
    assert "accounts: 0 pulled, 2 skipped, 0 failed" in out
    assert "skipped instagram/178400: environment variable(s) not set: ACME_IG_TOKEN" in out
    # the export-only Instagram account of the same platform is listed too, with its own reason
    assert "skipped instagram/17841400000000001: no token_env in the config (export-only account)" in out
    assert main(["status", "--config", str(path)]) == 0
    status = capsys.readouterr().out
    assert "API accounts the next run will skip: 1\n  instagram/178400: environment variable(s) not set: " \
           "ACME_IG_TOKEN" in status


def test_failed_account_exits_1_and_is_named(demo, capsys, monkeypatch, meta_graph):
    meta_graph.pages["555"] = FakePage("555")
    monkeypatch.setenv("EXPIRED_FB_TOKEN", EXPIRED_TOKEN)
    monkeypatch.setenv("VALID_FB_TOKEN", VALID_TOKEN)
    meta_graph.pages["777"] = FakePage("777", daily={"page_follows": {LAST: 12001}})
    path = demo / "socialkpi.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "targets:\n", f'  - {{platform: facebook, account_id: "555", brand: acme, token_env: EXPIRED_FB_TOKEN, '
        f'api_base_url: "{meta_graph.url}"}}\n'
        f'  - {{platform: facebook, account_id: "777", brand: acme, token_env: VALID_FB_TOKEN, '
        f'api_base_url: "{meta_graph.url}"}}\ntargets:\n', 1), encoding="utf-8")
    assert run(demo, LAST) == EXIT_FAILED
    out = capsys.readouterr().out
    assert "accounts: 1 pulled, 1 skipped, 1 failed" in out
    assert "FAILED facebook/555: AuthError: re-authorise facebook account 555" in out
    assert EXPIRED_TOKEN not in out
    assert main(["status", "--config", str(path)]) == 0
    assert "FAILED account facebook/555: AuthError" in capsys.readouterr().out


def test_status_lists_refused_files_with_their_reasons_and_the_last_runs_checks(demo, capsys):
    exports = demo / "exports"
    (exports / "facebook" / "page_insights.csv").write_text("Date,Reach\n", encoding="utf-8")  # a level too high
    (exports / "myspace" / "acme").mkdir(parents=True)
    (exports / "myspace" / "acme" / "export.csv").write_text("Date,Plays\n", encoding="utf-8")
    assert main(["status", "--config", str(demo / "socialkpi.yaml")]) == 0
    out = capsys.readouterr().out
    assert "Refused files (left in the drop folder, never loaded): 2\n" in out
    assert "  facebook/page_insights.csv: not in <platform>/<account_id>/<file>\n" in out
    assert "  myspace/acme/export.csv: unknown platform folder 'myspace' (known: " in out
    record = last_run(demo)  # the `built` fixture's run over FIRST .. LAST, its five checks passed
    assert f"Last run: {record.run_id} SUCCESS ({FIRST} .. {LAST})\n  checks: 5 passed, 0 not passed\n" in out
    for check in ("core_account_daily:non_negative_counts", "core_account_daily:reported_negative_counts",
                  "core_account_daily:followers_continuity", "core_account_daily:accounts_have_latest_day",
                  "kpi_daily:kpis_within_bounds"):
        assert f"    passed  {check}\n" in out


def test_global_options_before_or_after_the_subcommand(demo, capsys):
    config = str(demo / "socialkpi.yaml")
    assert main(["status", "--config", config]) == 0
    after = capsys.readouterr().out
    assert main(["--config", config, "status"]) == 0
    assert capsys.readouterr().out == after
    assert "facebook   100000000000001" in after


def test_future_end_is_said_not_silently_cut(demo, capsys):
    tomorrow = dt.date.today() + dt.timedelta(days=2)
    assert main(["--config", str(demo / "socialkpi.yaml"), "run", "--start", str(tomorrow),
                 "--end", str(tomorrow)]) == 2
    err = capsys.readouterr().err
    assert f"--end {tomorrow} is after yesterday" in err
    assert "no complete day to build" in err


@pytest.mark.parametrize("command", ["init", "run", "demo", "status", "replay", "sql", "report"])
def test_every_command_help_has_examples(command, capsys):
    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "examples:\n  socialkpi " + command in out
    assert "--config" in out


def test_dagster_beta_and_preview_notices_are_filtered_from_the_cli(built):
    import warnings

    from pipelines.build import build_definitions
    from pipelines.cli import quiet_dagster_warnings
    from pipelines.config import load_config

    config = load_config(built / "socialkpi.yaml")
    with warnings.catch_warnings(record=True) as unfiltered:
        warnings.simplefilter("always")
        build_definitions(config).resolve_job_def(REFRESH_JOB)
    assert any(isinstance(w.message, dg.BetaWarning) for w in unfiltered)  # what a user would see
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        quiet_dagster_warnings()
        build_definitions(config).resolve_job_def(REFRESH_JOB)
    assert not [w for w in shown if isinstance(w.message, (dg.BetaWarning, dg.PreviewWarning))]


def _step_record(kind, step, created):
    import logging
    from types import SimpleNamespace

    record = logging.LogRecord("dagster", logging.DEBUG, __file__, 1, kind, None, None)
    record.created = created
    record.dagster_meta = {"dagster_event": SimpleNamespace(step_key=step, event_type_value=kind)}
    return record


@pytest.mark.parametrize(("tty", "expected"), [
    (True, "\r\x1b[K[........................] 0/2 a ...\r\x1b[K[############............] 1/2 a succeeded in 1.5 s"
           "\r\x1b[K[############............] 1/2 b ...\r\x1b[K[########################] 2/2 b failed in 1.0 s\n"),
    (False, "[1/2] a succeeded in 1.5 s\n[2/2] b failed in 1.0 s\n"),
])
def test_progress_is_a_bar_on_a_terminal_and_lines_otherwise(tty, expected):
    import io

    from pipelines.runner import Progress

    out = io.StringIO()
    progress = Progress(2, out, tty=tty)
    for kind, step, created in [("STEP_START", "a", 0.0), ("STEP_SUCCESS", "a", 1.5), ("STEP_START", "b", 2.0),
                                ("STEP_FAILURE", "b", 3.0)]:
        progress.emit(_step_record(kind, step, created))
    progress.finish()
    assert out.getvalue() == expected
    assert [(s.step, s.status, s.seconds) for s in progress.steps] == [("a", "succeeded", 1.5), ("b", "failed", 1.0)]
