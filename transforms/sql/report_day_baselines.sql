-- kpi.baselines of the brand rollup for the days of a period; for a day report, the day's own row.
-- Parameters: $brand, $start, $end, $kpis.
SELECT kpi, date, value, median_28d, p10_28d, p90_28d, robust_z, pct_vs_baseline, is_anomaly
FROM kpi.baselines
WHERE brand_id = $brand AND platform = 'all' AND account_id = 'all'
  AND date BETWEEN $start AND $end
  AND list_contains($kpis, kpi)
ORDER BY kpi, date
