-- core.post_snapshots for snapshot dates in [$start, $end]: one value per post, date and
-- metric (API beats exports, then the latest source), pivoted to columns.
WITH picked AS (
    SELECT platform, post_id, snapshot_date, account_id, metric, value
    FROM raw.post_metric_values
    WHERE metric IS NOT NULL AND snapshot_date BETWEEN $start AND $end
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
GROUP BY platform, post_id, snapshot_date
