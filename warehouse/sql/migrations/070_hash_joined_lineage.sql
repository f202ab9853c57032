-- The views that look up each raw row's file (raw.export_files) join on an equality DuckDB can
-- hash. `ON v.source = 'export' AND f.file_hash = v.source_key AND ...` puts a left-only
-- condition into a LEFT JOIN, and DuckDB 1.5 then plans a BLOCKWISE_NL_JOIN (every raw row against
-- every file: duckdb/duckdb#10387), seconds at a few hundred files. `f.file_hash = CASE WHEN
-- v.source = 'export' THEN v.source_key END` matches exactly the same rows (an API row's key is
-- NULL there and matches nothing) and is planned as a HASH_JOIN. raw.post_snapshots_picked also
-- ranks only the keys that have more than one value (the same pick: a key's single value is the
-- one ranked first). Same definitions as 015_loading_precedence_ownership.sql otherwise.

DROP VIEW raw.post_owners;
CREATE VIEW raw.post_owners AS
WITH sightings AS (
    SELECT r.platform, r.post_id, r.account_id,
           CASE WHEN r.source = 'export' THEN f.loaded_at ELSE r.source_rank END AS landed_at
    FROM raw.post_records AS r
    LEFT JOIN raw.export_files AS f ON f.file_hash = CASE WHEN r.source = 'export' THEN r.source_key END
         AND f.platform = r.platform AND f.account_id = r.account_id
    UNION ALL
    SELECT m.platform, m.post_id, m.account_id,
           CASE WHEN m.source = 'export' THEN f.loaded_at ELSE m.source_rank END AS landed_at
    FROM raw.post_metric_values AS m
    LEFT JOIN raw.export_files AS f ON f.file_hash = CASE WHEN m.source = 'export' THEN m.source_key END
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

DROP VIEW raw.post_snapshots_picked;
CREATE VIEW raw.post_snapshots_picked AS
WITH contested AS (
    -- the keys with more than one value: only those are ranked (most posts have one snapshot a
    -- day from one source, and ranking one-row partitions was most of the view's time)
    SELECT platform, post_id, snapshot_date, metric
    FROM raw.post_metric_values
    WHERE metric IS NOT NULL
    GROUP BY ALL
    HAVING count(*) > 1
),
candidates AS (
    SELECT v.platform, v.post_id, v.snapshot_date, v.account_id, v.metric, v.value, v.source, v.source_rank,
           v.source_metric, v.source_key, f.path, c.metric IS NOT NULL AS contested
    FROM raw.post_metric_values AS v
    JOIN raw.post_owners AS o
        ON o.platform = v.platform AND o.post_id = v.post_id AND o.account_id = v.account_id
    LEFT JOIN raw.export_files AS f ON f.file_hash = CASE WHEN v.source = 'export' THEN v.source_key END
         AND f.platform = v.platform AND f.account_id = v.account_id
    LEFT JOIN contested AS c ON c.platform = v.platform AND c.post_id = v.post_id
         AND c.snapshot_date = v.snapshot_date AND c.metric = v.metric
    WHERE v.metric IS NOT NULL
),
picked AS (
    SELECT platform, post_id, snapshot_date, account_id, metric, value FROM candidates WHERE NOT contested
    UNION ALL
    SELECT platform, post_id, snapshot_date, account_id, metric, value FROM (
        SELECT * FROM candidates
        WHERE contested
        QUALIFY row_number() OVER (
            PARTITION BY platform, post_id, snapshot_date, metric
            ORDER BY (value IS NOT NULL) DESC, (source = 'api') DESC, source_rank DESC,
                     source_metric LIKE '% (sum over %)' ASC, value DESC NULLS LAST,
                     path DESC NULLS LAST, source_key DESC) = 1)
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
