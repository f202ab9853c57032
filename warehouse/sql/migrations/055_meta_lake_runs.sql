-- DuckLake warehouses only (warehouse/lake_runs.py): every run that writes the lake, with the lake
-- snapshot it started from. A run that was killed midway or canceled is reverted by the next run
-- (its commits carry its run id); a DuckDB-file warehouse leaves this table empty.
CREATE TABLE meta.lake_runs (
    run_id VARCHAR NOT NULL,
    first_snapshot BIGINT NOT NULL,
    started_at TIMESTAMP NOT NULL,
    outcome VARCHAR,
    resolved_at TIMESTAMP
);
COMMENT ON TABLE meta.lake_runs IS 'Runs that wrote a DuckLake warehouse [run_id] and what became of their commits; empty on a DuckDB file.';
COMMENT ON COLUMN meta.lake_runs.run_id IS 'Dagster run id; the run''s lake commits carry it in commit_extra_info (ducklake_snapshots()).';
COMMENT ON COLUMN meta.lake_runs.first_snapshot IS 'The lake''s latest snapshot when the run first opened it for writing: the state a revert goes back to for the run''s rows.';
COMMENT ON COLUMN meta.lake_runs.started_at IS 'When the run first opened the lake (UTC).';
COMMENT ON COLUMN meta.lake_runs.outcome IS 'NULL until a later run settles it once it ended: succeeded; kept (failed on its own, its finished steps stay); reverted (killed or canceled: its commits undone).';
COMMENT ON COLUMN meta.lake_runs.resolved_at IS 'When the outcome was recorded (UTC).';
