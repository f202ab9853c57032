-- The currencies of the money kpi.daily converts for [$start, $end]: ad spend in the currency the
-- ads platform reports, web revenue in its property's configured currency (default $reporting).
-- One row per source and currency, with the dates concerned, so a missing rate can be named.
SELECT 'ad spend' AS what, platform, account_id, currency, min(date) AS first_date, max(date) AS last_date
FROM core.ads_daily
WHERE date BETWEEN $start AND $end AND spend IS NOT NULL
GROUP BY platform, account_id, currency
UNION ALL
SELECT 'web revenue' AS what, 'web' AS platform, account_id,
       coalesce(CAST($revenue_currency AS MAP(VARCHAR, VARCHAR))[account_id], CAST($reporting AS VARCHAR))
           AS currency,
       min(date) AS first_date, max(date) AS last_date
FROM core.web_daily
WHERE date BETWEEN $start AND $end AND revenue IS NOT NULL
GROUP BY account_id
ORDER BY what, platform, account_id, currency
