-- Anomalies of the day worth an alert: kpi.baselines.is_anomaly on the chosen KPIs and scope
-- levels, with |robust z| and |value - 28-day median| at least the rule's minimums.
-- Own brands only (competitors are never alerted on). Parameters: $day, $brands, $kpis,
-- $scopes (account | platform | brand), $min_z, $min_change.
SELECT b.brand_id, b.platform, b.account_id, a.name AS account_name, b.kpi, b.date, b.value,
       b.median_28d, b.weekday_median_8w, b.robust_z, b.pct_vs_baseline, b.n_obs,
       CASE WHEN b.platform = 'all' THEN 'brand' WHEN b.account_id = 'all' THEN 'platform'
            ELSE 'account' END AS scope_level
FROM kpi.baselines b
LEFT JOIN core.accounts a ON a.platform = b.platform AND a.account_id = b.account_id
WHERE b.date = $day
  AND b.is_anomaly
  AND list_contains($brands, b.brand_id)
  AND list_contains($kpis, b.kpi)
  AND abs(b.robust_z) >= $min_z
  AND abs(b.value - b.median_28d) >= $min_change
  AND list_contains($scopes, CASE WHEN b.platform = 'all' THEN 'brand' WHEN b.account_id = 'all' THEN 'platform'
                                  ELSE 'account' END)
ORDER BY b.brand_id, abs(b.robust_z) DESC, b.platform, b.account_id, b.kpi
