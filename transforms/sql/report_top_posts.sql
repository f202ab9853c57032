-- Posts of the brand's accounts published in the period, with the lifetime counters of their latest
-- snapshot. engagements = likes + comments + shares + saves over the counters that are known (NULL
-- when none is); engagement_rate = engagements / impressions x100, NULL when impressions are
-- unknown or 0. Parameters: $brand, $start, $end.
WITH latest AS (
    SELECT * FROM core.post_snapshots
    QUALIFY row_number() OVER (PARTITION BY platform, post_id ORDER BY snapshot_date DESC) = 1
)
SELECT p.platform, p.account_id, a.name AS account_name, p.post_id, p.published_at, p.post_type,
       p.permalink, p.title, s.snapshot_date, s.impressions, s.likes, s.comments, s.shares, s.saves,
       CASE WHEN s.likes IS NULL AND s.comments IS NULL AND s.shares IS NULL AND s.saves IS NULL THEN NULL
            ELSE coalesce(s.likes, 0) + coalesce(s.comments, 0) + coalesce(s.shares, 0) + coalesce(s.saves, 0)
       END AS engagements
FROM core.posts p
JOIN core.accounts a USING (platform, account_id)
JOIN latest s USING (platform, post_id)
WHERE a.brand_id = $brand AND NOT a.is_competitor
  AND p.published_date BETWEEN $start AND $end
ORDER BY p.published_at, p.platform, p.post_id
