-- Loading rules (DESIGN.md): per-value precedence where only reported values compete, a
-- hash-independent tie rule, and post ownership (a post belongs to the account that landed it
-- first; the same post id under another account is a conflict, never a re-assignment).

-- Which account owns each post: the account of the source that landed the post first (a file's
-- load time, an API pull's fetch time); ties by account id. Post rows of any other account are
-- conflicts (raw.post_conflicts) and stay out of core.
CREATE VIEW raw.post_owners AS
WITH sightings AS (
    SELECT r.platform, r.post_id, r.account_id,
           CASE WHEN r.source = 'export' THEN f.loaded_at ELSE r.source_rank END AS landed_at
    FROM raw.post_records AS r
    LEFT JOIN raw.export_files AS f ON r.source = 'export' AND f.file_hash = r.source_key
         AND f.platform = r.platform AND f.account_id = r.account_id
    UNION ALL
    SELECT m.platform, m.post_id, m.account_id,
           CASE WHEN m.source = 'export' THEN f.loaded_at ELSE m.source_rank END AS landed_at
    FROM raw.post_metric_values AS m
    LEFT JOIN raw.export_files AS f ON m.source = 'export' AND f.file_hash = m.source_key
         AND f.platform = m.platform AND f.account_id = m.account_id
)
SELECT platform, post_id, arg_min(account_id, (coalesce(landed_at, TIMESTAMP '9999-12-31'), account_id))
       AS account_id
FROM sightings
GROUP BY platform, post_id;
COMMENT ON VIEW raw.post_owners IS 'The account owning each post [platform, post_id]: the one whose source landed the post first. Rows of the same post id under another account are conflicts (raw.post_conflicts).';
COMMENT ON COLUMN raw.post_owners.platform IS 'Platform.';
COMMENT ON COLUMN raw.post_owners.post_id IS 'Platform post id.';
COMMENT ON COLUMN raw.post_owners.account_id IS 'Owning account (the first to land the post).';

CREATE VIEW raw.post_conflicts AS
SELECT DISTINCT r.platform, r.post_id, o.account_id AS owner_account_id, r.account_id, r.source, r.source_key
FROM (SELECT platform, post_id, account_id, source, source_key FROM raw.post_records
      UNION ALL
      SELECT platform, post_id, account_id, source, source_key FROM raw.post_metric_values) AS r
JOIN raw.post_owners AS o USING (platform, post_id)
WHERE r.account_id <> o.account_id;
COMMENT ON VIEW raw.post_conflicts IS 'Post ids landed under an account that does not own them: kept in raw, left out of core, reported by socialkpi status and the run summary.';
COMMENT ON COLUMN raw.post_conflicts.platform IS 'Platform.';
COMMENT ON COLUMN raw.post_conflicts.post_id IS 'Platform post id.';
COMMENT ON COLUMN raw.post_conflicts.owner_account_id IS 'Account that owns the post.';
COMMENT ON COLUMN raw.post_conflicts.account_id IS 'Account whose file or pull carried the post as well.';
COMMENT ON COLUMN raw.post_conflicts.source IS 'export | api.';
COMMENT ON COLUMN raw.post_conflicts.source_key IS 'File hash or API pull key of the conflicting rows.';

-- Lifetime post counters: a reported number beats a placeholder (NULL) whatever the dates; then
-- API beats exports, then the later export date / fetch time; a tie between two numbers goes to
-- the larger one (a later read of lifetime counters has seen more), then to the later file path.
DROP VIEW raw.post_snapshots_picked;
CREATE VIEW raw.post_snapshots_picked AS
WITH picked AS (
    SELECT v.platform, v.post_id, v.snapshot_date, v.account_id, v.metric, v.value
    FROM raw.post_metric_values AS v
    JOIN raw.post_owners AS o
        ON o.platform = v.platform AND o.post_id = v.post_id AND o.account_id = v.account_id
    LEFT JOIN raw.export_files AS f ON v.source = 'export' AND f.file_hash = v.source_key
         AND f.platform = v.platform AND f.account_id = v.account_id
    WHERE v.metric IS NOT NULL
    QUALIFY row_number() OVER (
        PARTITION BY v.platform, v.post_id, v.snapshot_date, v.metric
        ORDER BY (v.value IS NOT NULL) DESC, (v.source = 'api') DESC, v.source_rank DESC,
                 v.source_metric LIKE '% (sum over %)' ASC, v.value DESC NULLS LAST,
                 f.path DESC NULLS LAST, v.source_key DESC) = 1
)
SELECT
    platform, post_id, snapshot_date, any_value(account_id) AS account_id,
    max(value) FILTER (WHERE metric = 'impressions') AS impressions,
    max(value) FILTER (WHERE metric = 'reach') AS reach,
    max(value) FILTER (WHERE metric = 'views') AS views,
    max(value) FILTER (WHERE metric = 'likes') AS likes,
    max(value) FILTER (WHERE metric = 'comments') AS comments,
    max(value) FILTER (WHERE metric = 'shares') AS shares,
    max(value) FILTER (WHERE metric = 'saves') AS saves,
    max(value) FILTER (WHERE metric = 'clicks') AS clicks
FROM picked
GROUP BY platform, post_id, snapshot_date;
COMMENT ON VIEW raw.post_snapshots_picked IS 'Lifetime post counters per [platform, post_id, snapshot_date] of the owning account, one value per metric: a number beats a placeholder, then API, then the later source, then the larger number; feeds core.post_snapshots and core.post_daily.';

-- Export files that could not be landed because the same bytes are already landed for another
-- account (a file belongs to the folder it was dropped in). Rebuilt at every scan of the drop
-- folder, so it lists what the folder holds now.
CREATE TABLE raw.file_conflicts (
    path VARCHAR NOT NULL,
    file_hash VARCHAR NOT NULL,
    platform VARCHAR NOT NULL,
    account_id VARCHAR NOT NULL,
    owner_platform VARCHAR NOT NULL,
    owner_account_id VARCHAR NOT NULL,
    owner_path VARCHAR NOT NULL,
    seen_at TIMESTAMP NOT NULL
);
COMMENT ON TABLE raw.file_conflicts IS 'Files of the drop folder left unloaded because the same bytes are landed for another account [path]; reported by socialkpi status and the run summary.';
COMMENT ON COLUMN raw.file_conflicts.path IS 'The unloaded file, relative to the exports folder.';
COMMENT ON COLUMN raw.file_conflicts.file_hash IS 'SHA-256 of its content.';
COMMENT ON COLUMN raw.file_conflicts.platform IS 'Platform of its folder.';
COMMENT ON COLUMN raw.file_conflicts.account_id IS 'Account of its folder.';
COMMENT ON COLUMN raw.file_conflicts.owner_platform IS 'Platform the same bytes were landed for.';
COMMENT ON COLUMN raw.file_conflicts.owner_account_id IS 'Account the same bytes were landed for.';
COMMENT ON COLUMN raw.file_conflicts.owner_path IS 'Path of the landed copy.';
COMMENT ON COLUMN raw.file_conflicts.seen_at IS 'When the scan found it (UTC).';
