-- Daily brand rollup values over the trend window with their baseline band (p10-p90 of the 28
-- days before each day) and anomaly flag. Parameters: $brand, $start, $end, $kpis.
SELECT d.kpi, d.date, d.value, b.median_28d, b.p10_28d, b.p90_28d, coalesce(b.is_anomaly, false) AS is_anomaly
FROM kpi.daily d
LEFT JOIN kpi.baselines b USING (date, brand_id, platform, account_id, kpi)
WHERE d.brand_id = $brand AND d.platform = 'all' AND d.account_id = 'all'
  AND d.date BETWEEN $start AND $end
  AND list_contains($kpis, d.kpi)
ORDER BY d.kpi, d.date
