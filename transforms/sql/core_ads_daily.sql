-- core.ads_daily for [$start, $end]: one value per campaign, day and metric (API beats exports,
-- then the latest source), pivoted; the brand comes from the ad account.
WITH picked AS (
    SELECT *
    FROM raw.ads_daily_values
    WHERE date BETWEEN $start AND $end
    QUALIFY row_number() OVER (
        PARTITION BY platform, account_id, campaign_id, date, metric
        ORDER BY (source = 'api') DESC, source_rank DESC, source_key DESC) = 1
)
SELECT
    p.platform, p.account_id, p.campaign_id, p.date, a.brand_id,
    max(p.campaign_name) AS campaign_name, max(p.currency) AS currency,
    max(p.value) FILTER (WHERE p.metric = 'spend') AS spend,
    max(p.value) FILTER (WHERE p.metric = 'impressions') AS impressions,
    max(p.value) FILTER (WHERE p.metric = 'reach') AS reach,
    max(p.value) FILTER (WHERE p.metric = 'clicks') AS clicks,
    max(p.value) FILTER (WHERE p.metric = 'conversions') AS conversions
FROM picked AS p
JOIN core.accounts AS a USING (platform, account_id)
GROUP BY p.platform, p.account_id, p.campaign_id, p.date, a.brand_id
