-- Anomalous days (kpi.baselines.is_anomaly) of the brand in the period, every scope: accounts,
-- platform rollups and the brand rollup. Parameters: $brand, $start, $end.
SELECT b.date, b.platform, b.account_id, a.name AS account_name, b.kpi, b.value, b.median_28d,
       b.robust_z, b.pct_vs_baseline
FROM kpi.baselines b
LEFT JOIN core.accounts a ON a.platform = b.platform AND a.account_id = b.account_id
WHERE b.brand_id = $brand AND b.is_anomaly AND b.date BETWEEN $start AND $end
ORDER BY abs(b.robust_z) DESC, b.date, b.platform, b.account_id, b.kpi
