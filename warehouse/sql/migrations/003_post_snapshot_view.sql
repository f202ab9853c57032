-- Lifetime post counters per post and snapshot date, one value per metric picked from all
-- sources (API beats exports, then the latest source), pivoted. core.post_snapshots and
-- core.post_daily both read it, so a late-arriving earlier snapshot is seen whatever the order
-- in which windows are rebuilt.
CREATE VIEW raw.post_snapshots_picked AS
WITH picked AS (
    SELECT platform, post_id, snapshot_date, account_id, metric, value
    FROM raw.post_metric_values
    WHERE metric IS NOT NULL
    QUALIFY row_number() OVER (
        PARTITION BY platform, post_id, snapshot_date, metric
        ORDER BY (source = 'api') DESC, source_rank DESC, source_key DESC) = 1
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
COMMENT ON VIEW raw.post_snapshots_picked IS 'Lifetime post counters per [platform, post_id, snapshot_date], one value per metric picked across sources; feeds core.post_snapshots and core.post_daily.';
