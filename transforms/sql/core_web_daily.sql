-- core.web_daily for [$start, $end]: one value per property, day, social platform and metric.
WITH picked AS (
    SELECT *
    FROM raw.web_daily_values
    WHERE date BETWEEN $start AND $end
    QUALIFY row_number() OVER (
        PARTITION BY platform, account_id, date, social_platform, metric
        ORDER BY (source = 'api') DESC, source_rank DESC, source_key DESC) = 1
)
SELECT
    p.date, p.social_platform AS platform, a.brand_id, p.account_id,
    max(p.value) FILTER (WHERE p.metric = 'sessions') AS sessions,
    max(p.value) FILTER (WHERE p.metric = 'bounced_sessions') AS bounced_sessions,
    max(p.value) FILTER (WHERE p.metric = 'conversions') AS conversions,
    max(p.value) FILTER (WHERE p.metric = 'revenue') AS revenue
FROM picked AS p
JOIN core.accounts AS a USING (platform, account_id)
GROUP BY p.date, p.social_platform, a.brand_id, p.account_id
