-- Revert one run's commits to one table of a DuckLake (warehouse/lake_runs.py), in the revert's
-- transaction. {lake}, {schema}, {table} are literals, {qualified} the table, {columns} its columns;
-- $first..$last the snapshots from the run's first commit up to now, $ours the run's own snapshots.
-- Row ids are DuckLake's: stable for a row's life, kept by an UPDATE (pre- and post-image).
-- Statements are separated by a line holding only ';'.
CREATE OR REPLACE TEMP TABLE revert_changes AS
SELECT snapshot_id, rowid, change_type, list_contains($ours, snapshot_id) AS ours, {columns}
FROM ducklake_table_changes({lake}, {schema}, {table}, $first, $last)
;
-- Rows the run wrote that a later commit of another run deleted: that writer superseded the run
-- here (a rebuilt window, a re-synced config), so the table is left as that writer left it.
SELECT count(*) FROM revert_changes
WHERE NOT ours AND change_type IN ('delete', 'update_preimage')
  AND rowid IN (SELECT rowid FROM revert_changes WHERE ours AND change_type IN ('insert', 'update_postimage'))
;
-- The rows the run inserted (or its new versions of updated rows) go.
DELETE FROM {qualified}
WHERE rowid IN (SELECT rowid FROM revert_changes WHERE ours AND change_type IN ('insert', 'update_postimage'))
;
-- The rows the run deleted (or the old versions of rows it updated) come back, as they were before
-- the run's first change to them; not the rows the run itself had inserted.
INSERT INTO {qualified} ({columns})
SELECT {columns} FROM revert_changes
WHERE ours AND change_type IN ('delete', 'update_preimage')
  AND rowid NOT IN (SELECT rowid FROM revert_changes WHERE ours AND change_type = 'insert')
QUALIFY row_number() OVER (PARTITION BY rowid ORDER BY snapshot_id) = 1
