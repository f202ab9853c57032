"""Dagster's SQLite event log, writing a range run's materialisations in one transaction.

A run over a partition range records one materialisation event per asset and day. Dagster's
SQLite event log writes each one on its own (a new connection and a committed transaction in the
run's file, then again in the cross-run index): about 55 ms each here, so 548 days x 6 assets
spent 180 s of a 200 s run storing events for a few seconds of SQL. Dagster groups a step's
partition events into a batch (`DAGSTER_EVENT_BATCH_SIZE`, off by default) but only its Postgres
storage writes a batch at once; this subclass does the same for SQLite: one insert per shard, one
transaction each, the asset's latest-materialisation row updated from the last event; likewise the
planned events a run reports at its start.

`pipelines/dagster.yaml` names `SocialKpiInstance` as the instance class: its default storage is
Dagster's SQLite storage (same files under the instance's folder) with this event log. A
`storage:` block in dagster.yaml (Postgres) replaces it as usual.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any, cast

import yaml
from dagster import DagsterEventType, DagsterInstance
from dagster._core.events import ASSET_EVENTS, AssetCheckEvaluationPlanned
from dagster._core.events.log import EventLogEntry
from dagster._core.instance.ref import InstanceRef
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus
from dagster._core.storage.event_log.schema import AssetCheckExecutionsTable, SqlEventLogStorageTable
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.sqlite_storage import DagsterSqliteStorage, _event_logs_directory
from dagster._serdes import ConfigurableClassData, serialize_value

# Read by DagsterInstance.handle_new_event in every process that executes steps (the CLI, the
# run workers the UI and the schedule launch): without it each event comes here alone.
EVENT_BATCH_ENV = "DAGSTER_EVENT_BATCH_SIZE"
EVENT_BATCH_SIZE = "1000"
# What one run reports in bulk: the planned events at its start (one per asset and check; a check's
# is stored with a row per partition of the range) and a step's per-day materialisations.
BATCHED_TYPES = {DagsterEventType.ASSET_MATERIALIZATION, DagsterEventType.ASSET_OBSERVATION,
                 DagsterEventType.ASSET_MATERIALIZATION_PLANNED, DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED}


class BatchedSqliteEventLogStorage(SqliteEventLogStorage):
    """SQLite event log whose `store_event_batch` writes a batch in one transaction per shard."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None) -> None:
        super().__init__(base_dir, inst_data=inst_data)
        os.environ.setdefault(EVENT_BATCH_ENV, EVENT_BATCH_SIZE)

    @classmethod
    def from_config_value(cls, inst_data: ConfigurableClassData | None,
                          config_value: Mapping[str, Any]) -> BatchedSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    def store_event_batch(self, events: Sequence[EventLogEntry]) -> None:
        if (not events or len({e.run_id for e in events}) != 1
                or any(not e.is_dagster_event or e.dagster_event_type not in BATCHED_TYPES for e in events)):
            super().store_event_batch(events)
            return
        rows = [self._event_to_row(event) for event in events]
        with self.run_connection(events[0].run_id) as conn:
            conn.execute(SqlEventLogStorageTable.insert(), rows)
        # The cross-run index holds a copy of every asset event (SqliteEventLogStorage.store_event);
        # its ids key the asset event tags and the asset's latest-materialisation row.
        with self.index_transaction() as conn:
            inserted = conn.execute(SqlEventLogStorageTable.insert().returning(
                SqlEventLogStorageTable.c.id, sort_by_parameter_order=True), rows)
            ids = [int(row[0]) for row in inserted.fetchall()]
            asset_events = [(e, i) for e, i in zip(events, ids, strict=True) if e.dagster_event_type in ASSET_EVENTS]
            self._store_asset_event_tags(conn, [e for e, _ in asset_events], [i for _, i in asset_events])
            latest = {event.dagster_event.asset_key: (event, event_id)  # the last of each asset wins
                      for event, event_id in asset_events if event.dagster_event}
            for event, event_id in latest.values():
                self._store_asset_event(conn, event, event_id)
        for event, event_id in zip(events, ids, strict=True):  # own connection: after the transaction
            if event.dagster_event_type == DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED:
                self.store_asset_check_event(event, event_id)

    def _store_asset_check_evaluation_planned(self, event: EventLogEntry, event_id: int | None) -> None:
        """Dagster's rows, one per partition of the run's range, written as one executemany.

        Dagster serialises the same event again for every row and compiles a multi-row INSERT of
        them all: for 5 checks x 548 days, 9 % of an 18-month run's time (py-spy), before its first step.
        """
        planned = cast(AssetCheckEvaluationPlanned, event.get_dagster_event().event_specific_data)
        keys = planned.partitions_subset.get_partition_keys() if planned.partitions_subset else [None]
        row = {"asset_key": planned.asset_key.to_string(), "check_name": planned.check_name,
               "run_id": event.run_id, "execution_status": AssetCheckExecutionRecordStatus.PLANNED.value,
               "evaluation_event": serialize_value(event),
               "evaluation_event_timestamp": self._event_insert_timestamp(event),
               "evaluation_event_storage_id": event_id}
        with self.index_connection() as conn:
            conn.execute(AssetCheckExecutionsTable.insert(), [{**row, "partition": key} for key in keys])


class BatchedSqliteStorage(DagsterSqliteStorage):
    """Dagster's default SQLite storage (runs, event logs, schedules under one folder), with the
    batched event log."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None) -> None:
        super().__init__(base_dir, inst_data=inst_data)
        self._event_log_storage = BatchedSqliteEventLogStorage(_event_logs_directory(base_dir))

    @classmethod
    def from_config_value(cls, inst_data: ConfigurableClassData | None,
                          config_value: Mapping[str, Any]) -> BatchedSqliteStorage:
        return cls.from_local(inst_data=inst_data, **config_value)

    @property
    def event_storage_data(self) -> ConfigurableClassData:
        return ConfigurableClassData(__name__, BatchedSqliteEventLogStorage.__name__,
                                     yaml.dump({"base_dir": _event_logs_directory(self.base_dir)}))


class SocialKpiInstance(DagsterInstance):
    """A Dagster instance whose default storage is `BatchedSqliteStorage` in the instance's folder."""

    @classmethod
    def config_schema(cls) -> dict[str, Any]:
        return {}

    @staticmethod
    def config_defaults(base_dir: str) -> Mapping[str, ConfigurableClassData | None]:
        return {**InstanceRef.config_defaults(base_dir),
                "storage": ConfigurableClassData(__name__, BatchedSqliteStorage.__name__,
                                                 yaml.dump({"base_dir": base_dir}))}
