-- Period values of one brand from the KPI tables: kpi.daily (day), kpi.weekly (week), kpi.monthly
-- (month), with their coverage. The report reads the values exactly as the tables hold them;
-- nothing is re-aggregated. Parameters: $period ('day' | 'week' | 'month'), $brand, $starts
-- (period starts), $kpis.
WITH periods AS (
    SELECT date AS period_start, date AS period_end, brand_id, platform, account_id, kpi, value,
           1 AS days_in_period, CASE WHEN value IS NULL THEN 0 ELSE 1 END AS days_counted,
           accounts_in_scope, accounts_counted
    FROM kpi.daily WHERE $period = 'day'
    UNION ALL
    SELECT week_start, week_end, brand_id, platform, account_id, kpi, value, days_in_period, days_counted,
           accounts_in_scope, accounts_counted
    FROM kpi.weekly WHERE $period = 'week'
    UNION ALL
    SELECT month_start, month_end, brand_id, platform, account_id, kpi, value, days_in_period, days_counted,
           accounts_in_scope, accounts_counted
    FROM kpi.monthly WHERE $period = 'month'
)
SELECT period_start, platform, account_id, kpi, value, days_in_period, days_counted, accounts_in_scope,
       accounts_counted
FROM periods
WHERE brand_id = $brand
  AND account_id = 'all'
  AND list_contains($starts, period_start)
  AND list_contains($kpis, kpi)
ORDER BY period_start, platform, kpi
