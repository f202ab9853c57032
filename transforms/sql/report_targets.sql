-- Each target of the brand as of the period's last day (or the last day before it that has a row).
-- pace = progress made / progress planned by that day x100 (100 = exactly on the linear path).
-- Parameters: $brand, $end.
SELECT t.target_id, t.kpi, t.platform, t.account_id, a.name AS account_name, t.date, t.start_date,
       t.due_date, t.direction, t.start_value, t.current_value, t.target_value, t.expected_value_today,
       t.pct_achieved, t.projected_value_at_due, t.status,
       (t.current_value - t.start_value) / nullif(t.expected_value_today - t.start_value, 0) * 100 AS pace
FROM kpi.target_progress t
LEFT JOIN core.accounts a ON a.platform = t.platform AND a.account_id = t.account_id
WHERE t.brand_id = $brand AND t.date <= $end
QUALIFY row_number() OVER (PARTITION BY t.target_id ORDER BY t.date DESC) = 1
ORDER BY t.target_id
