-- Synthetic warehouse for benchmarks/kpi_scale.py: `accounts` accounts (10 per brand, platforms in
-- turn) with every day from `start` to `end` in raw.account_daily_values and core.account_daily, and per
-- brand web analytics, paid media (USD and EUR ad accounts), mentions (the brand and two
-- competitors), reviews and survey responses. Values come from hash() of their keys, so the same
-- arguments give the same warehouse. Statements are separated by a line holding only ';'.
CREATE TEMP TABLE bench_platform_metrics AS
SELECT * FROM (VALUES
    ('x', ['followers_gained', 'followers_lost', 'impressions', 'likes', 'comments', 'shares', 'saves', 'clicks',
           'posts_published']),
    ('facebook', ['followers', 'followers_gained', 'impressions', 'reach', 'engagements', 'profile_visits', 'clicks',
                  'video_views']),
    ('instagram', ['followers', 'reach', 'impressions', 'likes', 'comments', 'shares', 'saves', 'profile_visits']),
    ('tiktok', ['followers', 'followers_net_change', 'reach', 'likes', 'comments', 'shares', 'video_views',
                'profile_visits']),
    ('linkedin', ['followers', 'followers_gained', 'followers_lost', 'impressions', 'likes', 'comments', 'shares',
                  'clicks', 'posts_published']),
    ('youtube', ['followers_net_change', 'impressions', 'video_views', 'likes', 'comments', 'shares'])
) AS t(platform, metrics)
;
CREATE TEMP TABLE bench_days AS
SELECT CAST(day AS DATE) AS date, row_number() OVER (ORDER BY day) - 1 AS day_index
FROM generate_series(CAST($start AS DATE), CAST($end AS DATE), INTERVAL 1 DAY) AS g(day)
;
INSERT INTO core.accounts
SELECT
    ['x', 'facebook', 'instagram', 'tiktok', 'linkedin', 'youtube'][i % 6 + 1] AS platform,
    'acct_' || lpad(CAST(i AS VARCHAR), 4, '0') AS account_id,
    NULL AS name,
    'brand_' || lpad(CAST(i // 10 AS VARCHAR), 3, '0') AS brand_id,
    false AS is_competitor, 'UTC' AS timezone, true AS in_config
FROM range($accounts) AS r(i)
;
INSERT INTO core.follower_anchors
SELECT platform, account_id, CAST($start AS DATE) - 1, 5000
FROM core.accounts
WHERE platform = 'x'
;
INSERT INTO raw.account_daily_values
SELECT
    'export', 'bench', TIMESTAMP '2030-01-01', a.platform, a.account_id, d.date, m.metric, m.metric,
    CASE WHEN hash(a.account_id, d.date, m.metric) % 200 = 0 THEN NULL  -- a placeholder now and then
         WHEN m.metric = 'followers' THEN 10000 + 7 * d.day_index + hash(a.account_id, d.date) % 50
         WHEN m.metric IN ('impressions', 'reach', 'video_views') THEN hash(a.account_id, d.date, m.metric) % 20000
         WHEN m.metric = 'posts_published' THEN hash(a.account_id, d.date, m.metric) % 4
         WHEN m.metric = 'followers_net_change' THEN CAST(hash(a.account_id, d.date, m.metric) % 60 AS BIGINT) - 20
         ELSE hash(a.account_id, d.date, m.metric) % 500 END
FROM core.accounts AS a
JOIN bench_platform_metrics AS p USING (platform)
CROSS JOIN bench_days AS d
CROSS JOIN unnest(p.metrics) AS m(metric)
;
INSERT INTO core.account_daily
WITH wide AS (
    SELECT
        platform, account_id, date,
        max(value) FILTER (WHERE metric = 'followers') AS followers,
        max(value) FILTER (WHERE metric = 'followers_gained') AS followers_gained,
        max(value) FILTER (WHERE metric = 'followers_lost') AS followers_lost,
        max(value) FILTER (WHERE metric = 'followers_net_change') AS followers_net_reported,
        max(value) FILTER (WHERE metric = 'impressions') AS impressions,
        max(value) FILTER (WHERE metric = 'reach') AS reach,
        max(value) FILTER (WHERE metric = 'profile_visits') AS profile_visits,
        max(value) FILTER (WHERE metric = 'video_views') AS video_views,
        max(value) FILTER (WHERE metric = 'likes') AS likes,
        max(value) FILTER (WHERE metric = 'comments') AS comments,
        max(value) FILTER (WHERE metric = 'shares') AS shares,
        max(value) FILTER (WHERE metric = 'saves') AS saves,
        max(value) FILTER (WHERE metric = 'engagements') AS engagements_reported,
        max(value) FILTER (WHERE metric = 'clicks') AS clicks,
        max(value) FILTER (WHERE metric = 'posts_published') AS posts_published
    FROM raw.account_daily_values
    GROUP BY platform, account_id, date
)
SELECT
    platform, account_id, date,
    CASE WHEN platform = 'x'
         THEN 5000 + sum(followers_gained - followers_lost) OVER (PARTITION BY account_id ORDER BY date)
         ELSE followers END AS followers,
    followers_gained, followers_lost,
    coalesce(followers_net_reported, followers_gained - followers_lost) AS followers_net_change,
    impressions, reach, profile_visits, video_views, likes, comments, shares, NULL AS link_shares, saves,
    coalesce(engagements_reported,
             likes + comments + shares + CASE WHEN platform IN ('x', 'instagram') THEN saves ELSE 0 END) AS engagements,
    NULL AS platform_engagements, clicks, NULL AS link_clicks, posts_published,
    'export' AS source, TIMESTAMP '2030-01-01' AS loaded_at
FROM wide
ORDER BY date  -- as replace_window writes them: in date order
;
CREATE TEMP TABLE bench_brands AS
SELECT DISTINCT brand_id FROM core.accounts
;
INSERT INTO core.web_daily
SELECT
    d.date, p.platform, b.brand_id, 'web_' || b.brand_id,
    200 + hash(b.brand_id, d.date, p.platform) % 800 AS sessions,
    50 + hash(b.brand_id, d.date, p.platform, 'bounced') % 150 AS bounced_sessions,
    hash(b.brand_id, d.date, p.platform, 'conversions') % 20 AS conversions,
    CAST(hash(b.brand_id, d.date, p.platform, 'revenue') % 200000 AS DOUBLE) / 100 AS revenue
FROM bench_brands AS b
CROSS JOIN bench_days AS d
CROSS JOIN (SELECT unnest(['x', 'facebook', 'instagram', 'tiktok', 'linkedin', 'youtube']) AS platform) AS p
ORDER BY d.date
;
INSERT INTO core.ads_daily
SELECT
    'meta_ads', 'act_' || b.brand_id || '_' || c.currency, 'campaign_' || c.currency || '_' || k.n, d.date,
    b.brand_id, 'campaign ' || k.n, c.currency,
    CAST(hash(b.brand_id, d.date, c.currency, k.n) % 50000 AS DOUBLE) / 100 AS spend,
    1000 + hash(b.brand_id, d.date, c.currency, k.n, 'impressions') % 30000 AS impressions,
    500 + hash(b.brand_id, d.date, c.currency, k.n, 'reach') % 10000 AS reach,
    hash(b.brand_id, d.date, c.currency, k.n, 'clicks') % 400 AS clicks,
    CASE WHEN k.n = 3 THEN NULL ELSE hash(b.brand_id, d.date, c.currency, k.n, 'conv') % 15 END AS conversions
FROM bench_brands AS b
CROSS JOIN bench_days AS d
CROSS JOIN (SELECT unnest(['USD', 'EUR']) AS currency) AS c
CROSS JOIN range(1, 4) AS k(n)
ORDER BY d.date
;
INSERT INTO core.mentions_daily
SELECT
    d.date, b.brand_id, s.subject || b.brand_id, p.platform, s.subject <> '', 
    CASE WHEN hash(b.brand_id, d.date, s.subject, p.platform) % 100 = 0 THEN NULL
         ELSE hash(b.brand_id, d.date, s.subject, p.platform) % 300 END
FROM bench_brands AS b
CROSS JOIN bench_days AS d
CROSS JOIN (SELECT unnest(['', 'rival_a_', 'rival_b_']) AS subject) AS s
CROSS JOIN (SELECT unnest(['x', 'instagram']) AS platform) AS p
ORDER BY d.date
;
INSERT INTO core.reviews
SELECT
    'google_business', 'review_' || b.brand_id || '_' || CAST(d.date AS VARCHAR) || '_' || n, 'location_1', b.brand_id,
    CAST(d.date AS TIMESTAMP), d.date,
    CASE WHEN hash(b.brand_id, d.date, n) % 20 = 0 THEN NULL ELSE 1 + hash(b.brand_id, d.date, n) % 5 END, NULL
FROM bench_brands AS b
CROSS JOIN bench_days AS d
CROSS JOIN range(4) AS r(n)
WHERE n < hash(b.brand_id, d.date, 'reviews') % 4
ORDER BY d.date  -- as core_reviews.sql writes them
;
INSERT INTO core.survey_responses
SELECT
    k.kind, k.kind || '_' || b.brand_id || '_' || CAST(d.date AS VARCHAR) || '_' || n, b.brand_id,
    CAST(d.date AS TIMESTAMP), d.date, k.kind,
    CASE WHEN hash(b.brand_id, d.date, k.kind, n) % 25 = 0 THEN NULL
         ELSE hash(b.brand_id, d.date, k.kind, n) % (k.scale_max + 1) END,
    k.scale_max
FROM bench_brands AS b
CROSS JOIN bench_days AS d
CROSS JOIN (VALUES ('csat', 5), ('nps', 10)) AS k(kind, scale_max)
CROSS JOIN range(5) AS r(n)
WHERE n < hash(b.brand_id, d.date, k.kind) % 5
ORDER BY d.date  -- as core_survey_responses.sql writes them
