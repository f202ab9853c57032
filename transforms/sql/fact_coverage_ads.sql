-- core.fact_coverage rows of core.ads_daily over [$start, $end]: campaign-days with conversions,
-- with spend, per brand and ads platform.
SELECT fact, brand_id, platform, NULL::VARCHAR AS subject_id, NULL::BOOLEAN AS is_competitor, days
FROM (
    SELECT brand_id, platform,
           count(*) FILTER (WHERE conversions IS NOT NULL) AS ad_conversions,
           count(*) FILTER (WHERE spend IS NOT NULL) AS ad_spend
    FROM core.ads_daily
    WHERE date BETWEEN $start AND $end
    GROUP BY ALL
) UNPIVOT (days FOR fact IN (ad_conversions, ad_spend))
WHERE days > 0
