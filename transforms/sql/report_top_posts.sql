-- Posts of the brand's configured accounts published in the period, from kpi.posts (the counters
-- of each post's latest snapshot, engagements by the accounts' component rule, engagement_rate =
-- engagements / followers at publication x100: what engagement_rate_per_post averages).
-- Parameters: $brand, $start, $end.
SELECT p.platform, p.account_id, a.name AS account_name, p.post_id, p.published_at, p.post_type,
       c.permalink, c.title, p.snapshot_date, p.impressions, p.reach, p.likes, p.comments, p.shares, p.saves,
       p.engagements, p.followers_at_publish, p.engagement_rate, p.engagement_rate_impressions
FROM kpi.posts p
JOIN core.accounts a USING (platform, account_id)
JOIN core.posts c USING (platform, post_id)
WHERE a.brand_id = $brand AND NOT a.is_competitor AND a.in_config
  AND p.published_date BETWEEN $start AND $end
ORDER BY p.published_at, p.platform, p.post_id
