-- core.fact_coverage rows of core.mentions_daily over [$start, $end]: days per brand, platform and subject.
SELECT 'mentions' AS fact, brand_id, platform, subject_id, is_competitor, count(*) AS days
FROM core.mentions_daily
WHERE date BETWEEN $start AND $end
GROUP BY ALL
