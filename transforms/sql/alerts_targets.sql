-- Targets whose status turned to one of $statuses on $day: the day's status differs from the
-- previous row's (NULL included: a target that first gets a status of 'off_track' turns too).
-- Parameters: $day, $brands, $statuses.
WITH progress AS (
    SELECT *, lag(status) OVER (PARTITION BY target_id ORDER BY date) AS previous_status
    FROM kpi.target_progress
    WHERE date <= $day AND list_contains($brands, brand_id)
)
SELECT p.target_id, p.brand_id, p.platform, p.account_id, a.name AS account_name, p.kpi, p.date,
       p.status, p.previous_status, p.current_value, p.start_value, p.expected_value_today,
       p.projected_value_at_due, p.target_value, p.due_date, p.pct_achieved
FROM progress p
LEFT JOIN core.accounts a ON a.platform = p.platform AND a.account_id = p.account_id
WHERE p.date = $day
  AND list_contains($statuses, p.status)
  AND p.previous_status IS DISTINCT FROM p.status
ORDER BY p.brand_id, p.target_id
