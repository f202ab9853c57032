"""The `socialkpi` command line: init, run, replay, demo, status, forget, sql, report, alerts."""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import shutil
import sys
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from pipelines.config import CONFIG_ENV, Config, ConfigError, config_path, load_config

if TYPE_CHECKING:
    from pipelines.run_summary import RunSummary

STARTER_CONFIG = """\
# socialkpi configuration. Paths are relative to this file.
# Secrets are never written here: name the environment variables that hold them (token_env).
timezone: "Europe/Berlin"        # reporting timezone of the daily partitions
start_date: "{start}"            # first partition
warehouse: "data/warehouse.duckdb"
analytics_snapshot: "data/analytics.duckdb"   # read-only copy for analysts (socialkpi sql)
exports_dir: "data/exports"      # drop native exports in <exports_dir>/<platform>/<account_id>/
lookback_days: 3                 # nightly re-pull of days the platforms restate
schedule: {{hour: 4, minute: 0}}   # nightly run, in the timezone above
brands:
  - id: "acme"
    name: "Acme"
    mention_keywords: ["acme", "#acme"]
    competitors:
      - id: "globex"
        name: "Globex"
        mention_keywords: ["globex"]
        # accounts:                # public data for kpi.competitor_benchmarks (docs/api.md)
        #   - {{platform: instagram, handle: "globex"}}   # asked through acme's own IG account
        #   - {{platform: x, handle: "globex", token_env: "X_APP_BEARER"}}
        #   - {{platform: youtube, handle: "@globex", token_env: "YT_API_KEY"}}
accounts:
  - platform: "instagram"        # facebook, instagram, x (alias: twitter), linkedin, youtube, tiktok, ...
    account_id: "17841400000000000"
    brand: "acme"
    name: "Acme on Instagram"
    # timezone: "Europe/Berlin"  # optional; local times in this account's exports
    # followers_on: {{"{start}": 10234}}   # optional known follower count(s)
    # token_env: "ACME_IG_TOKEN" # API accounts: the environment variable holding the token
targets:
  - id: "ig-followers"
    kpi: "followers"
    scope: {{brand: "acme", platform: "instagram"}}
    target: 15000
    start: "{start}"
    due: "{due}"
# alerts:                          # Slack / e-mail after each run (docs/alerts.md)
#   channels:
#     slack: {{webhook_url_env: "ACME_SLACK_WEBHOOK"}}
#     email: {{host: "smtp.acme.example", username: "alerts@acme.example", password_env: "ACME_SMTP_PASSWORD",
#             from: "alerts@acme.example", to: ["social@acme.example"]}}
#   rules:
#     anomalies: {{kpis: ["reach", "engagements"], scopes: ["account", "brand"], min_abs_change: 100}}
#     targets: {{statuses: ["behind", "off_track"]}}
#     api_accounts: {{stale_days: 3}}
#     quarantine: {{}}
"""


INSTANCE_SETTINGS = Path(__file__).with_name("dagster.yaml")  # the project's dagster.yaml


def _dagster_home(config: Config) -> Path:
    """DAGSTER_HOME, defaulting to a folder beside the warehouse so the UI sees CLI runs.

    A new (or empty) instance gets the project's dagster.yaml: pool limit 1 for DuckDB writers,
    run retries and run monitoring; an instance someone configured is left alone.
    """
    home = Path(os.environ.get("DAGSTER_HOME") or config.local_dir / "dagster_home")
    home.mkdir(parents=True, exist_ok=True)
    settings = home / "dagster.yaml"
    if not settings.exists() or not settings.read_text(encoding="utf-8").strip():
        shutil.copyfile(INSTANCE_SETTINGS, settings)
    os.environ["DAGSTER_HOME"] = str(home.resolve())
    return home


def quiet_dagster_warnings() -> None:
    """Dagster's beta/preview/supersession notices are about its own APIs, not the user's run."""
    import dagster as dg

    for category in (dg.BetaWarning, dg.PreviewWarning, dg.SupersessionWarning):
        warnings.filterwarnings("ignore", category=category)


def run_pipeline(config: Config, start: dt.date, end: dt.date, log_level: str = "WARNING") -> RunSummary:
    """Run the `refresh` job for [start, end], print progress and the summary; return the summary."""
    from pipelines.runner import run_refresh
    from pipelines.schedules import local_day

    yesterday = local_day(None, config.timezone) - dt.timedelta(days=1)
    if end > yesterday:
        # partitions end yesterday (today is not over): say so instead of cutting silently
        print(f"WARNING: --end {end} is after yesterday ({yesterday} in {config.timezone}); "
              f"running {start} .. {yesterday}", file=sys.stderr)
        end = yesterday
        if end < start:
            raise ConfigError(f"--start {start} is after yesterday ({yesterday}): no complete day to build")
    _dagster_home(config)
    quiet_dagster_warnings()
    summary = run_refresh(config, start, end, log_level=log_level)
    print("\n".join(summary.lines()))
    return summary


def print_kpis(config: Config, end: dt.date) -> None:
    """Headline KPIs per account and rollup for each brand's report week (data up to `end`), from the snapshot.

    The figures are transforms.report.period_summary: the same rule and SQL as kpi.weekly and the
    flash report, so all three agree to the last digit.
    """
    from transforms.report import SUMMARY_KPIS, coverage_of, default_period, period_summary
    from warehouse.snapshot import open_published

    with open_published(config.analytics_target) as con:
        for brand in config.brands:
            period = default_period(con, brand.id, "week")
            if period is None or period.end > end:
                continue
            table: dict[tuple[str, str], dict[str, dict]] = {}
            for row in period_summary(con, brand.id, period):
                table.setdefault((row["platform"], row["account_id"]), {})[row["kpi"]] = row
            print(f"\n{brand.name}: KPIs for {period.label} (rates in %, on the daily scale; "
                  "* = partial: fewer accounts or days than in scope; - = no value: an input the KPI "
                  "needs is missing, e.g. Meta exports carry no follower totals):")
            print(f"{'platform':<10} {'account':<20}" + "".join(f"{k:>26}" for k in SUMMARY_KPIS))
            for (platform, account), values in table.items():
                cells = []
                for kpi in SUMMARY_KPIS:
                    row = values.get(kpi)
                    value = None if row is None else row["value"]
                    text = "-" if value is None else (f"{value:,.2f}" if "rate" in kpi else f"{value:,.0f}")
                    # a missing value is "-", not partial: only a figure can stand on too little
                    if value is not None and not coverage_of(row).complete:
                        text += "*"
                    cells.append(f"{text:>26}")
                print(f"{platform:<10} {account:<20}" + "".join(cells))


def cmd_init(args: argparse.Namespace) -> int:
    path = Path(args.config or config_path())
    if path.exists() and not args.force:
        print(f"{path} already exists (use --force to overwrite)", file=sys.stderr)
        return 1
    today = dt.date.today()
    path.write_text(STARTER_CONFIG.format(start=today.replace(month=1, day=1),
                                          due=today.replace(month=12, day=31)), encoding="utf-8")
    config = load_config(path)
    config.exports_path.mkdir(parents=True, exist_ok=True)
    config.local_dir.mkdir(parents=True, exist_ok=True)
    print(f"wrote {path}; drop exports into {config.exports_path}/<platform>/<account_id>/")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    summary = run_pipeline(config, args.start, args.end, getattr(args, "log_level", "WARNING"))
    code = summary.exit_code
    verdict = {0: "run succeeded", 1: "run FAILED: see the summary above or the Dagster UI",
               3: "run finished, but a check FAILED: the data was published; see the checks above"}[code]
    print(f"{verdict}; warehouse {config.warehouse_target} (exit code {code})")
    return code


def cmd_demo(args: argparse.Namespace) -> int:
    from pipelines.demo import DEMO_TIMEZONE, demo_window, write_demo
    from pipelines.schedules import local_day

    directory = Path(args.dir)
    if (directory / "warehouse.duckdb").exists():
        print(f"re-running the demo in {directory} (delete the folder for a fresh start)")
    start, end = demo_window(local_day(None, DEMO_TIMEZONE))  # ends yesterday in the demo's timezone
    config = load_config(write_demo(directory, start, end))
    summary = run_pipeline(config, start, end)
    if summary.exit_code:
        print("demo run FAILED: see the summary above", file=sys.stderr)
        return summary.exit_code
    print_kpis(config, end)
    reports = sorted((config.snapshot_path.parent / "reports").glob("*.html"))
    if reports:
        print(f"\nFlash report: {reports[-1]}")
    print(f"\nWarehouse: {config.warehouse_target}\nAnalyst snapshot: {config.snapshot_path}\n"
          f"Query it:  SOCIALKPI_CONFIG={config.source} socialkpi sql \"SELECT * FROM kpi.daily LIMIT 10\"\n"
          f"Dagster UI: SOCIALKPI_CONFIG={config.source} DAGSTER_HOME={os.environ['DAGSTER_HOME']} "
          f"dagster dev -w workspace.yaml")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from warehouse.connection import connect
    from warehouse.connection import exists as warehouse_exists

    config = load_config(args.config)
    if not warehouse_exists(config.warehouse_target):
        print(f"no warehouse yet at {config.warehouse_target}: run `socialkpi run --start D --end D`")
        print_problems(config)
        return 1
    with connect(config.warehouse_target, read_only=True) as con:
        print("Accounts (days of data, last date):")
        for row in con.execute("""
                SELECT a.platform, a.account_id, a.brand_id, a.in_config, count(d.date), max(d.date)
                FROM core.accounts a LEFT JOIN core.account_daily d USING (platform, account_id)
                GROUP BY ALL ORDER BY 1, 2""").fetchall():
            note = "" if row[3] else "  (not in the config: out of rollups and reports until configured)"
            print(f"  {row[0]:<10} {row[1]:<22} brand={row[2]:<10} days={row[4]:<5} last={row[5]}{note}")
        print_conflicts(con)
        print("Export files:")
        for status, n in con.execute(
                "SELECT status, count(*) FROM raw.export_files GROUP BY 1 ORDER BY 1").fetchall():
            print(f"  {status}: {n}")
        for path, reason in con.execute(
                "SELECT path, reason FROM raw.export_files WHERE status = 'quarantined' ORDER BY path").fetchall():
            print(f"  quarantined {path}: {reason}")
    print_problems(config)
    return 0


def print_conflicts(con: object) -> None:
    """Ownership conflicts (ingest.ownership.conflicts), one sentence each."""
    from ingest.ownership import conflicts

    found = conflicts(con)
    if found:
        print(f"Conflicts ({len(found)}):")
        for conflict in found:
            print(f"  {conflict.message}")


def cmd_forget(args: argparse.Namespace) -> int:
    """Remove what an account or one file landed, then rebuild the days it covered.

    The files are moved to <exports_dir>/_forgotten/ (dropping them again restores them); the
    `refresh` job then runs over the days concerned, so core, KPIs and the analysts' snapshot
    equal never having landed them.
    """
    from ingest.ownership import ForgetError, forget_account, forget_file
    from pipelines.resources import SocialKpi

    config = load_config(args.config)
    if bool(args.account) == bool(args.file):
        print("name either <platform>/<account_id> or --file PATH", file=sys.stderr)
        return 2
    with SocialKpi(config_path=str(config.source)).warehouse() as con:
        try:
            if args.file:
                forgotten = forget_file(con, config.exports_path, args.file)
            else:
                platform, _, account_id = args.account.partition("/")
                if not platform or not account_id or "/" in account_id:
                    print(f"{args.account!r} is not <platform>/<account_id>", file=sys.stderr)
                    return 2
                forgotten = forget_account(con, config.exports_path, platform, account_id)
        except ForgetError as exc:
            print(str(exc), file=sys.stderr)
            return 1
    for moved in forgotten.files:
        print(f"moved to {moved} (drop it into a folder again to load it)")
    print(f"removed {forgotten.rows} landed rows")
    if forgotten.first_day is None:
        return 0
    first = max(forgotten.first_day, config.start_date)
    print(f"rebuilding {first} .. {forgotten.last_day} without them")
    return run_pipeline(config, first, forgotten.last_day).exit_code


def print_problems(config: Config) -> None:
    """Refused files, unknown account folders, skipped accounts and the last run (pipelines/status.py)."""
    from connectors.base import load_connectors
    from pipelines.status import refused_files, skipped_accounts, unknown_folders

    registry = load_connectors()
    refused = refused_files(config, registry)
    print(f"Refused files (left in the drop folder, never loaded): {len(refused)}")
    for outcome in refused:
        print(f"  {outcome.relative}: {outcome.reason}")
    unknown = unknown_folders(config, registry)
    print(f"Account folders not in the config: {len(unknown)}")
    if unknown:
        print(f"  add to `accounts:` in {config.source} (brand: the one they belong to):")
        for folder in unknown:
            print(folder.config_line(config.brands[0].id) + f"   # {folder.files} file(s)")
    skipped = skipped_accounts(config, registry)
    print(f"API accounts the next run will skip: {len(skipped)}")
    for account, why in sorted(skipped.items()):
        print(f"  {account}: {why}")
    print_last_run(config)


def print_last_run(config: Config) -> None:
    home = Path(os.environ.get("DAGSTER_HOME") or config.local_dir / "dagster_home")
    if not (home / "dagster.yaml").exists():
        print(f"Last run: none recorded (no Dagster instance at {home})")
        return
    import dagster as dg

    from pipelines.status import last_refresh_run

    os.environ["DAGSTER_HOME"] = str(home.resolve())
    quiet_dagster_warnings()
    with dg.DagsterInstance.get() as instance:
        last = last_refresh_run(instance)
    if last is None:
        print(f"Last run: none recorded in {home}")
        return
    print(f"Last run: {last.run_id} {last.status} ({last.start} .. {last.end})")
    for account, why in sorted(last.failed_accounts.items()):
        print(f"  FAILED account {account}: {why}")
    passed = sum(1 for c in last.checks if c[2])
    print(f"  checks: {passed} passed, {len(last.checks) - passed} not passed")
    for asset, name, ok, severity, description in last.checks:
        verdict = "passed" if ok else ("WARN" if severity == "WARN" else "FAILED")
        print(f"    {verdict:<7} {asset}:{name}" + (f": {description}" if description and not ok else ""))


def cmd_replay(args: argparse.Namespace) -> int:
    """Re-normalise landed API pages for a range (no network), then rebuild core and KPIs."""
    from connectors.base import load_connectors
    from ingest.api import replay
    from pipelines.resources import SocialKpi

    config = load_config(args.config)
    registry = load_connectors()
    timezones = {(registry[a.platform].platform, a.account_id): config.account_timezone(a) for a in config.accounts}
    with SocialKpi(config_path=str(config.source)).warehouse() as con:
        # competitor accounts are normalised by their public-profile client
        competitors = {(registry[a.platform].platform, a.account_id): {"competitor": a.api_options["competitor"]}
                       for a in config.accounts if "competitor" in a.api_options}
        landed = replay(con, registry, args.start, args.end, timezones, config.timezone, competitors)
    for account, records in sorted(landed.items()):
        print(f"re-normalised {account}: {records} records")
    if not landed:
        print(f"no API pages landed between {args.start} and {args.end}")
        return 0
    return cmd_run(args)


def cmd_sql(args: argparse.Namespace) -> int:
    import duckdb

    from warehouse.snapshot import NoSnapshotError, open_published

    config = load_config(args.config)
    # Read-only and without file or network access: a query can read the snapshot, nothing else.
    try:
        with open_published(config.analytics_target, sandboxed=True) as con:
            try:
                relation = con.sql(args.query)
                if relation is not None:
                    relation.show(max_rows=args.max_rows, max_width=200)
            except duckdb.Error as exc:
                print(f"query failed: {exc}", file=sys.stderr)
                return 1
    except NoSnapshotError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Write the flash report of one brand and period from the analytics snapshot (see docs/report.md)."""
    import duckdb

    from pipelines.report import build_report, report_file_name
    from transforms.report import read_quarantined
    from warehouse.connection import WarehouseLockedError, connect
    from warehouse.snapshot import NoSnapshotError, open_published

    config = load_config(args.config)
    brands = {b.id: b for b in config.brands}
    if args.brand not in brands:
        raise ConfigError(f"--brand {args.brand!r} is not a brand of {config.source} (brands: {', '.join(brands)})")
    # Quarantined files live in raw.export_files, which only the warehouse holds: read it read-only,
    # and say so in the report when a run holds the warehouse.
    quarantined, note = None, ""
    try:
        with connect(config.warehouse_target, read_only=True, lock_timeout_s=5) as con:
            quarantined = read_quarantined(con)
    except (WarehouseLockedError, duckdb.Error) as exc:
        note = f"the warehouse could not be read ({exc.__class__.__name__})"
    try:
        with open_published(config.analytics_target) as con:
            built = build_report(con, args.brand, args.period, args.date, brand_name=brands[args.brand].name,
                                 currency=config.currency.reporting, quarantined=quarantined, quarantine_note=note)
    except NoSnapshotError as exc:
        print(exc, file=sys.stderr)
        return 1
    if built is None:
        print(f"brand {args.brand} has no KPI rows in {config.snapshot_path}", file=sys.stderr)
        return 1
    data, html = built
    out = Path(args.out) if args.out else config.snapshot_path.parent / "reports" / report_file_name(args.brand,
                                                                                                      data.period)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    print(f"wrote {out} ({data.brand_name}, {data.period.label})")
    return 0


def cmd_alerts(args: argparse.Namespace) -> int:
    """`alerts test`: a sample to every channel; `alerts --date D [--dry-run]`: the digests of day D."""
    from pipelines import alerts
    from warehouse.connection import exists as warehouse_exists

    config = load_config(args.config)
    if config.alerts is None:
        raise ConfigError(f"{config.source}: alerts: not configured (see docs/alerts.md)")
    if args.action == "test":
        failed = 0
        for digest in alerts.sample_digests(config):
            try:
                alerts.send_digest(config.alerts, digest)
                print(f"{digest.channel}: sample sent")
            except alerts.DeliveryError as exc:
                failed += 1
                print(f"{digest.channel}: FAILED: {alerts.redact(str(exc), alerts.channel_secrets(config.alerts))}",
                      file=sys.stderr)
        return 1 if failed else 0
    if args.date is None:
        raise ConfigError("alerts: --date D is required (or use `socialkpi alerts test`)")
    if not warehouse_exists(config.warehouse_target):
        print(f"no warehouse yet at {config.warehouse_target}: run the pipeline first", file=sys.stderr)
        return 1
    until = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    window = alerts.Window(args.date, until - dt.timedelta(hours=args.since_hours), until)
    if args.dry_run:
        digests = alerts.dry_run(config, window)
        for digest in digests:
            print(alerts.describe(digest))
        print(f"{len(digests)} digest(s) would be sent (dry run: nothing sent or recorded)")
        return 0
    outcome = alerts.deliver(config, window)
    print(f"{len(outcome.sent)} digest(s) sent, {len(outcome.failed)} failed (retried by the alerts sensor)")
    return 1 if outcome.failed else 0


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


EXIT_CODES = """exit codes:
  0  succeeded (warning checks may have failed; they are listed)
  1  a step or an account failed, or a blocking check stopped the run
  2  config or usage error: nothing ran
  3  the run finished and published, but an ERROR check failed (listed)"""

EXAMPLES = {
    "init": "  socialkpi init\n  socialkpi init --config client-a.yaml --force",
    "run": "  socialkpi run --start 2025-01-01 --end 2025-01-31\n"
           "  socialkpi run --start 2025-03-01 --end 2025-03-01 --config client-a.yaml",
    "demo": "  socialkpi demo\n  socialkpi demo --dir /tmp/socialkpi-demo",
    "status": "  socialkpi status\n  socialkpi status --config data/demo/socialkpi.yaml",
    "replay": "  socialkpi replay --start 2025-01-01 --end 2025-01-31",
    "sql": "  socialkpi sql \"SELECT * FROM kpi.daily LIMIT 10\"\n"
           "  socialkpi sql \"SELECT kpi, sum(value) FROM kpi.daily WHERE account_id = 'all' GROUP BY kpi\"",
    "report": "  socialkpi report --brand acme\n  socialkpi report --brand acme --period month --date 2025-03-01",
    "forget": "  socialkpi forget x/acmee\n  socialkpi forget --file x/acme/tweet_activity_20250101_20250131.csv",
    "alerts": "  socialkpi alerts test\n  socialkpi alerts --dry-run --date 2025-03-14",
}


def _subcommand(commands: argparse._SubParsersAction, name: str, help_text: str,
                common: argparse.ArgumentParser, with_exit_codes: bool = False) -> argparse.ArgumentParser:
    epilog = "examples:\n" + EXAMPLES[name] + ("\n\n" + EXIT_CODES if with_exit_codes else "")
    return commands.add_parser(name, help=help_text, description=help_text, epilog=epilog, parents=[common],
                               formatter_class=argparse.RawDescriptionHelpFormatter)


def build_parser() -> argparse.ArgumentParser:
    # Global options are accepted before or after the subcommand: the subcommands repeat them
    # with SUPPRESS defaults, so a value given after the subcommand wins and none is not erased.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", default=argparse.SUPPRESS,
                        help=f"config file (default: ${CONFIG_ENV} or ./socialkpi.yaml)")
    parser = argparse.ArgumentParser(
        prog="socialkpi", description="Social-media KPI pipeline.",
        epilog="examples:\n  socialkpi demo\n  socialkpi --config socialkpi.yaml run --start 2025-01-01 "
               "--end 2025-01-31\n  socialkpi status\n\n" + EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", help=f"config file (default: ${CONFIG_ENV} or ./socialkpi.yaml)")
    commands = parser.add_subparsers(dest="command", required=True)
    init = _subcommand(commands, "init", "write a commented starter config and the folders", common)
    init.add_argument("--force", action="store_true", help="overwrite an existing config")
    init.set_defaults(func=cmd_init)
    run = _subcommand(commands, "run", "run the refresh job (with its checks) over a date range, inclusive",
                      common, with_exit_codes=True)
    run.add_argument("--start", type=_date, required=True)
    run.add_argument("--end", type=_date, required=True, help="last date, inclusive (at most yesterday)")
    run.add_argument("--log-level", choices=("DEBUG", "INFO", "WARNING", "ERROR"), default="WARNING",
                     help="run log lines shown besides progress and summary (INFO: one line per landed file)")
    run.set_defaults(func=cmd_run)
    demo = _subcommand(commands, "demo", "write the sample data (90 days ending yesterday) and run everything "
                                         "over it", common, with_exit_codes=True)
    demo.add_argument("--dir", default="data/demo", help="folder for the demo config, exports and warehouse")
    demo.set_defaults(func=cmd_demo)
    status = _subcommand(commands, "status", "accounts, data coverage, refused and quarantined files, skipped "
                                             "accounts and the last run's checks", common)
    status.set_defaults(func=cmd_status)
    forget = _subcommand(commands, "forget", "remove what an account or a file landed (the files are kept)",
                         common)
    forget.add_argument("account", nargs="?", help="<platform>/<account_id>")
    forget.add_argument("--file", help="a file of the drop folder (path relative to exports_dir, or absolute)")
    forget.set_defaults(func=cmd_forget)
    replay = _subcommand(commands, "replay", "re-normalise landed API pages (no network) and rebuild a range",
                         common, with_exit_codes=True)
    replay.add_argument("--start", type=_date, required=True)
    replay.add_argument("--end", type=_date, required=True, help="last date, inclusive")
    replay.set_defaults(func=cmd_replay)
    sql = _subcommand(commands, "sql", "run a query against the analytics snapshot", common)
    sql.add_argument("query")
    sql.add_argument("--max-rows", type=int, default=40)
    sql.set_defaults(func=cmd_sql)
    report = _subcommand(commands, "report", "write the HTML flash report of a brand for a day, week or month",
                         common)
    report.add_argument("--brand", required=True, help="brand id from the config")
    report.add_argument("--period", choices=("day", "week", "month"), default="week")
    report.add_argument("--date", type=_date, help="a day of the period (default: the latest complete period)")
    report.add_argument("--out", help="output file (default: <snapshot folder>/reports/<brand>_<period>_<start>.html)")
    report.set_defaults(func=cmd_report)
    alerts = _subcommand(commands, "alerts", "send a test alert, or show/send the alerts of a day", common)
    alerts.add_argument("action", nargs="?", choices=("test",), help="test: send a sample to each channel")
    alerts.add_argument("--date", type=_date, help="day whose KPI anomalies and target statuses are evaluated")
    alerts.add_argument("--dry-run", action="store_true", help="print what would be sent; send and record nothing")
    alerts.add_argument("--since-hours", type=float, default=24,
                        help="file and API failures logged in this many past hours count (default 24)")
    alerts.set_defaults(func=cmd_alerts)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.config:
        os.environ[CONFIG_ENV] = args.config
    try:
        return args.func(args)
    except ConfigError as exc:
        print(f"config error: {exc}", file=sys.stderr)
        return 2


def entry() -> NoReturn:
    """The `socialkpi` program: main(), then exit without the interpreter's last full collection.

    At exit CPython walks every object still alive (Dagster's modules and definitions after a
    `socialkpi run`): 2-3 s of nothing, longer than some runs' SQL. Frozen, they are skipped; atexit
    handlers (log flushing) still run. Not in main(): tests call it and go on.
    """
    code = main()
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    entry()
