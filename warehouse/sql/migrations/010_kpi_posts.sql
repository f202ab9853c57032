-- kpi.posts: one row per post with the counters of its latest snapshot and per-post rates
-- (DESIGN `kpi.posts`). A view over core tables, so it always shows the newest snapshot that
-- landed; the KPI engagement_rate_per_post (kpi.daily) is computed from it.
CREATE VIEW kpi.posts AS
WITH latest AS (
    SELECT *
    FROM core.post_snapshots
    QUALIFY row_number() OVER (PARTITION BY platform, post_id ORDER BY snapshot_date DESC) = 1
),
-- the engagement components the account's post inputs report at all (same rule as accounts)
reported AS (
    SELECT platform, account_id,
           bool_or(likes IS NOT NULL) AS has_likes, bool_or(comments IS NOT NULL) AS has_comments,
           bool_or(shares IS NOT NULL) AS has_shares, bool_or(saves IS NOT NULL) AS has_saves
    FROM core.post_snapshots
    GROUP BY platform, account_id
)
SELECT
    p.platform, p.post_id, a.brand_id, p.account_id, p.published_at, p.published_date, p.post_type,
    s.snapshot_date, s.impressions, s.reach, s.views AS video_views, s.likes, s.comments, s.shares, s.saves,
    s.clicks, e.engagements, f.followers AS followers_at_publish,
    e.engagements / nullif(f.followers, 0) * 100 AS engagement_rate,
    e.engagements / nullif(s.reach, 0) * 100 AS engagement_rate_reach,
    e.engagements / nullif(s.impressions, 0) * 100 AS engagement_rate_impressions
FROM core.posts AS p
JOIN core.accounts AS a USING (platform, account_id)
LEFT JOIN latest AS s USING (platform, post_id)
LEFT JOIN reported AS r USING (platform, account_id)
LEFT JOIN core.account_daily AS f
    ON f.platform = p.platform AND f.account_id = p.account_id AND f.date = p.published_date - 1
CROSS JOIN LATERAL (
    SELECT CASE WHEN s.snapshot_date IS NULL
                  OR NOT (coalesce(r.has_likes, false) OR coalesce(r.has_comments, false)
                          OR coalesce(r.has_shares, false) OR coalesce(r.has_saves, false)) THEN NULL
                ELSE CASE WHEN r.has_likes THEN s.likes ELSE 0 END + CASE WHEN r.has_comments THEN s.comments ELSE 0 END
                     + CASE WHEN r.has_shares THEN s.shares ELSE 0 END + CASE WHEN r.has_saves THEN s.saves ELSE 0 END
           END AS engagements
) AS e;
COMMENT ON VIEW kpi.posts IS 'One row per post [platform, post_id] with the lifetime counters of its latest snapshot, followers at publication and per-post rates; the source of the KPI engagement_rate_per_post.';
COMMENT ON COLUMN kpi.posts.platform IS 'Platform.';
COMMENT ON COLUMN kpi.posts.post_id IS 'Platform post id.';
COMMENT ON COLUMN kpi.posts.brand_id IS 'Brand (or competitor) of the account.';
COMMENT ON COLUMN kpi.posts.account_id IS 'Account that published the post.';
COMMENT ON COLUMN kpi.posts.published_at IS 'Publish time (UTC).';
COMMENT ON COLUMN kpi.posts.published_date IS 'Publish date in the account''s timezone.';
COMMENT ON COLUMN kpi.posts.post_type IS 'post | photo | video | reel | short | story | carousel | link | text | live.';
COMMENT ON COLUMN kpi.posts.snapshot_date IS 'Date of the latest snapshot the counters come from (NULL: no snapshot yet).';
COMMENT ON COLUMN kpi.posts.impressions IS 'Lifetime impressions as of the snapshot.';
COMMENT ON COLUMN kpi.posts.reach IS 'Lifetime unique reach as of the snapshot.';
COMMENT ON COLUMN kpi.posts.video_views IS 'Lifetime video plays as of the snapshot (NULL where the platform reports none).';
COMMENT ON COLUMN kpi.posts.likes IS 'Lifetime likes including reactions.';
COMMENT ON COLUMN kpi.posts.comments IS 'Lifetime comments including replies.';
COMMENT ON COLUMN kpi.posts.shares IS 'Lifetime shares including reposts.';
COMMENT ON COLUMN kpi.posts.saves IS 'Lifetime saves including bookmarks and favourites.';
COMMENT ON COLUMN kpi.posts.clicks IS 'Lifetime clicks on the post.';
COMMENT ON COLUMN kpi.posts.engagements IS 'likes + comments + shares + saves over the components the account''s post inputs report; NULL when a reported one is missing for this post or none is reported.';
COMMENT ON COLUMN kpi.posts.followers_at_publish IS 'Followers of the account at the end of the day before publication (NULL when unknown).';
COMMENT ON COLUMN kpi.posts.engagement_rate IS 'engagements / followers_at_publish x100; NULL when either is unknown or followers are 0.';
COMMENT ON COLUMN kpi.posts.engagement_rate_reach IS 'engagements / reach x100; NULL when either is unknown or reach is 0.';
COMMENT ON COLUMN kpi.posts.engagement_rate_impressions IS 'engagements / impressions x100; NULL when either is unknown or impressions are 0.';
