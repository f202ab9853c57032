-- DuckLake warehouses only (warehouse/snapshot.py): the lake snapshot each successful run
-- published for analysts, who attach the lake read-only at the latest of these. A DuckDB-file
-- warehouse publishes a file copy instead and leaves this table empty.
CREATE TABLE meta.published_snapshots (
    snapshot_id BIGINT NOT NULL,
    published_at TIMESTAMP NOT NULL
);
COMMENT ON TABLE meta.published_snapshots IS 'DuckLake snapshots published to analysts [snapshot_id]; empty on a DuckDB-file warehouse, which publishes a file copy.';
COMMENT ON COLUMN meta.published_snapshots.snapshot_id IS 'DuckLake snapshot id (ducklake_snapshots()) as of the end of the publishing run.';
COMMENT ON COLUMN meta.published_snapshots.published_at IS 'When it was published (UTC).';
