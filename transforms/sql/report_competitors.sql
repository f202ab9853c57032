-- Competitor section of the flash report: per platform and KPI of kpi.competitor_benchmarks, the
-- brand's value, the competitor average and each competitor's value, for one period.
-- Parameters: $brand, $period (day | week | month), $start (the period's first day).
SELECT
    b.platform, b.kpi,
    any_value(b.brand_value) AS brand_value,
    any_value(b.competitor_average) AS competitor_average,
    any_value(b.competitors_counted) AS competitors_counted,
    list({'competitor': coalesce(c.name, b.competitor_id), 'value': b.competitor_value}
         ORDER BY coalesce(c.name, b.competitor_id)) AS competitors
FROM kpi.competitor_benchmarks AS b
LEFT JOIN core.brand_competitors AS c USING (competitor_id)
WHERE b.brand_id = $brand AND b.period = $period AND b.period_start = $start
GROUP BY b.platform, b.kpi
ORDER BY b.platform, b.kpi
