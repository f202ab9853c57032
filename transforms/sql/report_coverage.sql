-- Data coverage of the brand's own accounts in the period: the days without a core.account_daily
-- row. Parameters: $brand, $start, $end.
WITH days AS (
    SELECT unnest(generate_series($start::DATE, $end::DATE, INTERVAL 1 DAY))::DATE AS date
)
SELECT a.platform, a.account_id, a.name, a.in_config,
       count(d.date) FILTER (WHERE c.date IS NOT NULL) AS days_with_data,
       count(d.date) AS days,
       list(d.date ORDER BY d.date) FILTER (WHERE c.date IS NULL) AS missing_dates
FROM core.accounts a
CROSS JOIN days d
LEFT JOIN core.account_daily c ON c.platform = a.platform AND c.account_id = a.account_id AND c.date = d.date
WHERE a.brand_id = $brand AND NOT a.is_competitor
GROUP BY ALL
ORDER BY a.platform, a.account_id
