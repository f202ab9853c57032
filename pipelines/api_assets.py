"""One daily-partitioned `<platform>_api` asset per connector with an API face, made by one factory.

Accounts are fetched concurrently (network only), then landed in one short warehouse write.
An export-only account (no token_env) is skipped with an INFO line; an API account whose token
variable is missing is skipped with a WARNING (a nightly run must not stop pulling an account
unnoticed), and both are named in the step's metadata. One failing account never stops the
others, and the step fails at the end naming each failed account and why. A platform without
any API account in the config gets no asset at all (`api_platforms`), so it costs nothing.
"""

import datetime as dt
import os
from concurrent.futures import ThreadPoolExecutor

import dagster as dg

from connectors.base import ApiAccount, AuthError, Connector
from connectors.competitors import unavailable_handles
from pipelines.config import Account, Config
from pipelines.resources import SocialKpi
from transforms.alerts import API_FAILURE_PREFIX
from warehouse.writes import log_event

MAX_CONCURRENT_ACCOUNTS = 4  # per platform: stays well inside per-app rate limits


def has_api_credentials(account: Account) -> bool:
    """The config names at least one secret for this account, so it is meant to be pulled."""
    return bool(account.token_env or any(account.credentials_env.values()))


def api_platforms(config: Config, registry: dict[str, Connector]) -> set[str]:
    """Platforms with at least one account meant to be pulled through the API."""
    return {registry[a.platform].platform for a in config.accounts
            if has_api_credentials(a) and registry[a.platform].api is not None}


def api_account(config: Config, account: Account, platform: str) -> tuple[ApiAccount | None, str | None]:
    """The account's API identity with secrets from the environment, or why it is skipped."""
    names = {"access_token": account.token_env, **account.credentials_env}
    names = {role: env for role, env in names.items() if env}
    if not names:
        return None, "no token_env in the config (export-only account)"
    missing = sorted(env for env in names.values() if not os.environ.get(env))
    if missing:
        return None, f"environment variable(s) not set: {', '.join(missing)}"
    credentials = {role: os.environ[env] for role, env in names.items()}
    options: dict[str, object] = {
        # Refreshed OAuth tokens live beside the warehouse (never in it), in a 0600 file.
        "token_cache": str(config.local_dir / "secrets" / "oauth_tokens.json"),
        # Mention counts for share of voice (X): one query per brand and competitor.
        "mention_queries": {subject.id: subject.mention_keywords
                            for brand in config.brands for subject in [brand, *brand.competitors]
                            if subject.mention_keywords},
        **account.api_options,
    }
    return ApiAccount(platform, account.account_id, config.account_timezone(account), credentials,
                      base_url=account.api_base_url, options=options), None


def platform_pool(platform: str) -> str:
    """On a DuckLake, each platform's pulls have their own pool: one run per platform at once."""
    return f"ingest_{platform}"


def build_api_asset(connector: Connector, partitions: dg.DailyPartitionsDefinition,
                    pool: str | None = None) -> dg.AssetsDefinition:
    platform = connector.platform

    @dg.asset(name=f"{platform}_api", group_name="ingest", partitions_def=partitions, pool=pool,
              backfill_policy=dg.BackfillPolicy.single_run(),  # the clients chunk long windows themselves
              retry_policy=dg.RetryPolicy(max_retries=2, delay=30, backoff=dg.Backoff.EXPONENTIAL),
              description=f"Pulls the {platform} API for every configured account over the partition window "
                          "and lands the raw pages and records.")
    def platform_api(context: dg.AssetExecutionContext, socialkpi: SocialKpi) -> dg.MaterializeResult:
        # Imported here: landing needs pandas, the clients' errors requests; the definitions must
        # load neither (start-up time).
        from connectors.rejected_metrics import rejection_notes
        from ingest.api import ApiPull, fetch_pull, land_api_pull

        window = context.partition_time_window
        start, end = window.start.date(), (window.end - dt.timedelta(days=1)).date()
        config = socialkpi.config
        accounts = [a for a in config.accounts if socialkpi.registry[a.platform].platform == platform]
        ready: list[ApiAccount] = []
        skipped_accounts: dict[str, str] = {}
        for account in accounts:
            api, skipped = api_account(config, account, platform)
            if api is None:
                skipped_accounts[account.account_id] = str(skipped)
                log = context.log.warning if has_api_credentials(account) else context.log.info
                log(f"{platform} account {account.account_id}: skipped: {skipped}")
            else:
                ready.append(api)
        pulls: list[ApiPull] = []
        failures: dict[str, str] = {}
        auth_only = True  # re-running cannot fix expired or revoked tokens
        with ThreadPoolExecutor(max_workers=MAX_CONCURRENT_ACCOUNTS) as pool:
            futures = {a.account_id: pool.submit(fetch_pull, connector, a, start, end) for a in ready}
            for account_id, future in futures.items():
                try:
                    pulls.append(future.result())
                except Exception as exc:  # reported below; the other accounts still land
                    failures[account_id] = f"{type(exc).__name__}: {exc}"
                    auth_only = auth_only and isinstance(exc, AuthError)
        records = 0
        rejected: dict[str, list[str]] = {}
        unavailable: list[str] = []  # competitor handles public endpoints do not serve
        if pulls:
            with socialkpi.warehouse() as con:
                for pull in pulls:
                    records += land_api_pull(con, pull)
                    for note in pull.parsed.notes:
                        context.log.warning(f"{platform} account {pull.account.account_id}: {note}")
                    if named := rejection_notes(pull.parsed.notes):
                        rejected[pull.account.account_id] = named
                    unavailable += unavailable_handles(pull.parsed.notes)
        metadata = {"accounts_pulled": dg.MetadataValue.int(len(pulls)),
                    "accounts_skipped": dg.MetadataValue.int(len(accounts) - len(ready)),
                    "records_landed": dg.MetadataValue.int(records),
                    "pulled_accounts": dg.MetadataValue.json(sorted(p.account.account_id for p in pulls)),
                    "skipped_accounts": dg.MetadataValue.json(skipped_accounts)}
        if rejected:  # metrics the API refused this run: dropped, the others loaded (docs/api.md)
            metadata["rejected_metrics"] = dg.MetadataValue.json(rejected)
        if unavailable:  # private or unknown competitor handles: named, the others loaded
            metadata["unavailable_competitor_handles"] = dg.MetadataValue.json(unavailable)
        if failures:
            # Recorded in meta.load_log so the alert rules (api_failing) see it; the secrets of the
            # account are removed from the message first.
            secrets = [v for a in ready for v in a.credentials.values() if v]
            with socialkpi.warehouse() as con:
                for account_id, why in failures.items():
                    for secret in secrets:
                        why = why.replace(secret, "***")
                    log_event(con, f"{platform}_api", f"{API_FAILURE_PREFIX}{why}", level="error",
                              platform=platform, account_id=account_id, run_id=context.run.run_id)
            raise dg.Failure(
                description=f"{len(failures)} {platform} account(s) failed (the others were landed): "
                            + "; ".join(f"{a}: {why}" for a, why in failures.items()),
                metadata={**metadata, "failed_accounts": dg.MetadataValue.json(failures)},
                allow_retries=not auth_only)
        return dg.MaterializeResult(metadata=metadata)

    return platform_api


def build_api_assets(registry: dict[str, Connector], partitions: dg.DailyPartitionsDefinition,
                     platforms: set[str] | None = None, *,
                     pool_per_platform: bool = False) -> list[dg.AssetsDefinition]:
    """One asset per API platform; only `platforms` when given (those with an API account).

    `pool_per_platform` (DuckLake warehouses): each in its own pool, platform_pool(platform).
    """
    unique = {c.platform: c for c in registry.values()
              if c.api is not None and (platforms is None or c.platform in platforms)}
    return [build_api_asset(connector, partitions, platform_pool(platform) if pool_per_platform else None)
            for platform, connector in sorted(unique.items())]
