"""What `socialkpi status` reports beyond the warehouse's coverage: the problems that otherwise
only show in a run log.

- refused files: files of the drop folder that no run will land, and why (read from the folder
  now, so a fixed file disappears from the list without a run);
- unknown account folders: `<platform>/<account_id>/` folders not in the config, with the config
  line to add (their files land under the first brand until then);
- skipped accounts: API accounts that the next run cannot pull (token variable not set) and
  export-only accounts of platforms that have API accounts;
- the last `refresh` run: its status, failed accounts and its checks (from the Dagster instance).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import dagster as dg

from connectors.base import Connector
from ingest.drop_folder import FileOutcome, scan_drop_folder
from pipelines.api_assets import api_account, has_api_credentials
from pipelines.build import REFRESH_JOB
from pipelines.config import Config


@dataclass(frozen=True)
class UnknownFolder:
    platform: str
    account_id: str
    files: int

    def config_line(self, brand: str) -> str:
        return f'  - {{platform: "{self.platform}", account_id: "{self.account_id}", brand: "{brand}"}}'


@dataclass
class LastRun:
    run_id: str
    status: str
    start: str | None
    end: str | None
    failed_accounts: dict[str, str] = field(default_factory=dict)
    checks: list[tuple[str, str, bool, str, str | None]] = field(default_factory=list)  # asset, name, passed,
    #                                                                                     severity, description


def refused_files(config: Config, registry: dict[str, Connector]) -> list[FileOutcome]:
    """Files of the drop folder that export_files leaves in place, with the reason."""
    _, refused = scan_drop_folder(config.exports_path, registry)
    return refused


def unknown_folders(config: Config, registry: dict[str, Connector]) -> list[UnknownFolder]:
    """Account folders with files whose (platform, account_id) the config does not list."""
    files, _ = scan_drop_folder(config.exports_path, registry)
    known = {(registry[a.platform].platform, a.account_id) for a in config.accounts}
    counts: dict[tuple[str, str], int] = {}
    for drop in files:
        if (drop.platform, drop.account_id) not in known:
            counts[(drop.platform, drop.account_id)] = counts.get((drop.platform, drop.account_id), 0) + 1
    return [UnknownFolder(p, a, n) for (p, a), n in sorted(counts.items())]


def skipped_accounts(config: Config, registry: dict[str, Connector]) -> dict[str, str]:
    """`platform/account_id` -> why the next run will not pull it through the API.

    Only accounts meant to be pulled (a token_env or credentials_env in the config): export-only
    accounts are not skipped, they have nothing to pull.
    """
    skipped = {}
    for account in config.accounts:
        if not has_api_credentials(account):
            continue
        platform = registry[account.platform].platform
        _, why = api_account(config, account, platform)
        if why:
            skipped[f"{platform}/{account.account_id}"] = why
    return skipped


def last_refresh_run(instance: dg.DagsterInstance) -> LastRun | None:
    """The latest run of the `refresh` job: status, failed API accounts, check results."""
    runs = instance.get_runs(filters=dg.RunsFilter(job_name=REFRESH_JOB), limit=1)
    if not runs:
        return None
    run = runs[0]
    last = LastRun(run.run_id, run.status.value, run.tags.get("dagster/asset_partition_range_start"),
                   run.tags.get("dagster/asset_partition_range_end"))
    failures = instance.get_records_for_run(run.run_id, of_type=dg.DagsterEventType.STEP_FAILURE).records
    for record in failures:
        event = record.event_log_entry.dagster_event
        if event is None or not (event.step_key or "").endswith("_api"):
            continue
        platform = event.step_key.removesuffix("_api")
        user = event.step_failure_data.user_failure_data
        failed = user.metadata.get("failed_accounts") if user else None
        reasons = failed.value if failed is not None else {"(all)": event.step_failure_data.error.message.strip()}
        last.failed_accounts.update({f"{platform}/{a}": w for a, w in reasons.items()})
    evaluations = instance.get_records_for_run(run.run_id,
                                               of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION).records
    for record in evaluations:
        event = record.event_log_entry.dagster_event
        if event is None:
            continue
        e = event.event_specific_data
        last.checks.append((e.asset_key.to_user_string(), e.check_name, e.passed, e.severity.value, e.description))
    return last
