-- core.fact_coverage rows of core.web_daily over [$start, $end]: property-days with revenue per
-- brand and platform.
SELECT 'web_revenue' AS fact, brand_id, platform, NULL::VARCHAR AS subject_id, NULL::BOOLEAN AS is_competitor,
       count(*) AS days
FROM core.web_daily
WHERE date BETWEEN $start AND $end AND revenue IS NOT NULL
GROUP BY ALL
