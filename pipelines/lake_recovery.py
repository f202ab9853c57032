"""On a DuckLake, a run interrupted midway is reverted before the next run writes.

The rule (docs/scaling.md): a run that was killed (its process gone, mid-step or between steps) or
canceled leaves the lake as before the run: `warehouse.lake_runs.revert_run` undoes its commits
and only its commits, so platform runs writing alongside keep theirs. A run that failed on its own
(a step raised after its retries) keeps what its finished steps committed, as on a DuckDB file:
the failing step's transaction was rolled back, the failure is reported and alerted on, and the
API assets deliberately land the accounts that worked. The next run to open the lake, whatever
its job, settles every run that has ended since (`recover_lake_runs`): a killed `socialkpi run` is
marked failed first (`runner.release_dead_cli_runs`), a killed daemon run by run monitoring.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import dagster as dg

from warehouse.lake_runs import KEPT, SUCCEEDED, Revert, resolve, revert_run, reverted, unresolved_runs

if TYPE_CHECKING:  # for annotations: DuckDB is imported where it is called (definitions start-up time)
    import duckdb


def interrupted(instance: dg.DagsterInstance, run: dg.DagsterRun) -> bool:
    """Canceled, or failed with no step failing: the failure came from outside its steps (its process
    was killed or crashed and the run was marked failed afterwards), mid-step or between steps."""
    if run.status == dg.DagsterRunStatus.CANCELED:
        return True
    return run.status == dg.DagsterRunStatus.FAILURE and not instance.get_records_for_run(
        run.run_id, of_type=dg.DagsterEventType.STEP_FAILURE, limit=1).records


def recover_lake_runs(con: duckdb.DuckDBPyConnection, instance: dg.DagsterInstance,
                      current_run_id: str | None = None) -> list[Revert]:
    """Settle the lake's runs that have ended: revert the interrupted ones, keep the others.

    Runs still going (or unknown to this Dagster instance) are left for a later run to settle.
    """
    import duckdb

    reverts = []
    for run_id in unresolved_runs(con):
        run = instance.get_run_by_id(run_id) if run_id != current_run_id else None
        if run is None or not run.is_finished:
            continue
        if interrupted(instance, run):
            try:
                reverts.append(revert_run(con, run_id))
            except duckdb.Error:  # a run starting at the same moment reverted it first (a commit conflict)
                if not reverted(con, run_id):
                    raise
        else:
            resolve(con, run_id, SUCCEEDED if run.status == dg.DagsterRunStatus.SUCCESS else KEPT)
    return reverts
