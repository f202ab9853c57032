-- The days on which the brand's configured accounts have KPI rows, per platform: the report picks
-- its default period where the brand has data on the most platforms. Parameters: $brand.
SELECT DISTINCT date, platform
FROM kpi.daily
WHERE brand_id = $brand AND account_id <> 'all' AND accounts_in_scope = 1
ORDER BY date, platform
