-- The accounts each period figure of the brand counted (account rows of kpi.daily / kpi.weekly /
-- kpi.monthly with accounts_counted = 1), so two periods compare like-for-like only over the
-- same accounts. Parameters: $period ('day' | 'week' | 'month'), $brand, $starts, $kpis.
WITH periods AS (
    SELECT date AS period_start, brand_id, platform, account_id, kpi, accounts_in_scope, accounts_counted
    FROM kpi.daily WHERE $period = 'day'
    UNION ALL
    SELECT week_start, brand_id, platform, account_id, kpi, accounts_in_scope, accounts_counted
    FROM kpi.weekly WHERE $period = 'week'
    UNION ALL
    SELECT month_start, brand_id, platform, account_id, kpi, accounts_in_scope, accounts_counted
    FROM kpi.monthly WHERE $period = 'month'
)
SELECT period_start, kpi, list(platform || '/' || account_id ORDER BY platform, account_id) AS accounts
FROM periods
WHERE brand_id = $brand AND account_id <> 'all' AND accounts_in_scope = 1 AND accounts_counted = 1
  AND list_contains($starts, period_start) AND list_contains($kpis, kpi)
GROUP BY period_start, kpi
