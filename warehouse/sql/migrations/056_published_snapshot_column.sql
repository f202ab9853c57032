-- meta.published_snapshots.snapshot_id renamed: DuckLake's change feed (ducklake_table_changes, used
-- to revert an interrupted run: warehouse/lake_runs.py) names its own columns snapshot_id, rowid and
-- change_type, and a table column of the same name hides the feed's. No table may use those names.
ALTER TABLE meta.published_snapshots RENAME COLUMN snapshot_id TO lake_snapshot;
COMMENT ON COLUMN meta.published_snapshots.lake_snapshot IS 'DuckLake snapshot id (ducklake_snapshots()) as of the end of the publishing run.';
