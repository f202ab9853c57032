-- Anomalous days (kpi.baselines.is_anomaly) of the brand in the period, each listed once: a rollup
-- row (platform or brand) is left out when an account (or platform) row inside it is anomalous
-- the same day with the same value, i.e. the rollup only repeats it. Parameters: $brand, $start, $end.
SELECT b.date, b.platform, b.account_id, a.name AS account_name, b.kpi, b.value, b.median_28d,
       b.robust_z, b.pct_vs_baseline
FROM kpi.baselines b
LEFT JOIN core.accounts a ON a.platform = b.platform AND a.account_id = b.account_id
WHERE b.brand_id = $brand AND b.is_anomaly AND b.date BETWEEN $start AND $end
  AND NOT EXISTS (
      SELECT 1 FROM kpi.baselines AS inner_row
      WHERE inner_row.brand_id = b.brand_id AND inner_row.date = b.date AND inner_row.kpi = b.kpi
        AND inner_row.is_anomaly AND inner_row.value IS NOT DISTINCT FROM b.value
        AND ((b.platform = 'all' AND inner_row.platform <> 'all')
             OR (b.platform <> 'all' AND b.account_id = 'all' AND inner_row.platform = b.platform
                 AND inner_row.account_id <> 'all')))
ORDER BY abs(b.robust_z) DESC, b.date, b.platform, b.account_id, b.kpi
