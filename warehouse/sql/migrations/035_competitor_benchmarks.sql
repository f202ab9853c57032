-- Competitor benchmarking from public data (docs/kpis.md "Competitor benchmarks").
-- core.brand_competitors: which brand each competitor of the config belongs to (a competitor id
-- belongs to one brand; its accounts are core.accounts with brand_id = the competitor id).
-- competitor_id is unique because the config refuses a repeated brand or competitor id; no PRIMARY
-- KEY, as in every other table, since a DuckLake warehouse takes no PRIMARY KEY/UNIQUE constraint.
CREATE TABLE core.brand_competitors (
    competitor_id VARCHAR NOT NULL,
    brand_id VARCHAR NOT NULL,
    name VARCHAR
);
COMMENT ON TABLE core.brand_competitors IS 'Competitors of each brand, from the config (brands[].competitors[]) [competitor_id]; their accounts are core.accounts rows with brand_id = competitor_id and is_competitor = true.';
COMMENT ON COLUMN core.brand_competitors.competitor_id IS 'Competitor id from the config (the brand_id of its accounts).';
COMMENT ON COLUMN core.brand_competitors.brand_id IS 'The brand this competitor is compared with.';
COMMENT ON COLUMN core.brand_competitors.name IS 'Competitor name from the config.';

-- kpi.competitor_benchmarks: per brand, platform, period (day, ISO week, calendar month) and KPI,
-- the brand's value next to each competitor's and the competitor average (the plain mean over the
-- competitors with a value). Only what public data gives both sides: followers, followers_net_change,
-- audience_growth_rate, posts_published from the platform rollups (account_id = 'all') of kpi.daily,
-- kpi.weekly and kpi.monthly; engagements_per_post and engagement_rate_per_post from kpi.posts over
-- the posts published in the period, with engagements = likes + comments for the brand as for its
-- competitors (public endpoints show no shares or saves of others' posts).
CREATE VIEW kpi.competitor_benchmarks AS
WITH account_kpis AS (
    SELECT 'day' AS period, date AS period_start, date AS period_end, brand_id AS subject_id, platform, kpi, value
    FROM kpi.daily
    WHERE account_id = 'all' AND platform <> 'all'
      AND kpi IN ('followers', 'followers_net_change', 'audience_growth_rate', 'posts_published')
    UNION ALL
    SELECT 'week', week_start, week_end, brand_id, platform, kpi, value
    FROM kpi.weekly
    WHERE account_id = 'all' AND platform <> 'all'
      AND kpi IN ('followers', 'followers_net_change', 'audience_growth_rate', 'posts_published')
    UNION ALL
    SELECT 'month', month_start, month_end, brand_id, platform, kpi, value
    FROM kpi.monthly
    WHERE account_id = 'all' AND platform <> 'all'
      AND kpi IN ('followers', 'followers_net_change', 'audience_growth_rate', 'posts_published')
),
posts AS (
    SELECT p.brand_id AS subject_id, p.platform, p.published_date, g.period,
           CASE g.period WHEN 'day' THEN p.published_date
                         WHEN 'week' THEN CAST(date_trunc('week', p.published_date) AS DATE)
                         ELSE CAST(date_trunc('month', p.published_date) AS DATE) END AS period_start,
           CAST(p.likes + p.comments AS DOUBLE) AS public_engagements,
           (p.likes + p.comments) / nullif(p.followers_at_publish, 0) * 100 AS public_engagement_rate
    FROM kpi.posts AS p
    JOIN core.accounts AS a USING (platform, account_id)
    CROSS JOIN (VALUES ('day'), ('week'), ('month')) AS g(period)
    WHERE a.in_config AND p.published_date IS NOT NULL AND p.snapshot_date IS NOT NULL
),
post_kpis AS (
    SELECT period, period_start,
           CASE period WHEN 'day' THEN period_start WHEN 'week' THEN period_start + 6
                       ELSE last_day(period_start) END AS period_end,
           subject_id, platform, kpi, value
    FROM (
        SELECT period, period_start, subject_id, platform,
               avg(public_engagements) AS engagements_per_post,
               avg(public_engagement_rate) AS engagement_rate_per_post
        FROM posts
        GROUP BY period, period_start, subject_id, platform
    ) UNPIVOT INCLUDE NULLS (value FOR kpi IN (engagements_per_post, engagement_rate_per_post))
),
subject_values AS (
    SELECT * FROM account_kpis
    UNION ALL
    SELECT period, period_start, period_end, subject_id, platform, kpi, value FROM post_kpis
)
SELECT
    c.period, c.period_start, c.period_end, bc.brand_id, c.platform, c.kpi,
    b.value AS brand_value,
    bc.competitor_id,
    c.value AS competitor_value,
    avg(c.value) OVER subjects AS competitor_average,
    CAST(count(c.value) OVER subjects AS INTEGER) AS competitors_counted,
    b.value - avg(c.value) OVER subjects AS brand_vs_average
FROM core.brand_competitors AS bc
JOIN subject_values AS c ON c.subject_id = bc.competitor_id
LEFT JOIN subject_values AS b
    ON b.subject_id = bc.brand_id AND b.period = c.period AND b.period_start = c.period_start
   AND b.platform = c.platform AND b.kpi = c.kpi
WINDOW subjects AS (PARTITION BY bc.brand_id, c.period, c.period_start, c.platform, c.kpi);
COMMENT ON VIEW kpi.competitor_benchmarks IS 'Brand vs each competitor and vs the competitor average, per platform, period and KPI, from public data (docs/kpis.md "Competitor benchmarks"). engagements_per_post and engagement_rate_per_post count likes + comments only, for the brand as for its competitors.';
COMMENT ON COLUMN kpi.competitor_benchmarks.period IS 'day | week (ISO, Monday to Sunday) | month.';
COMMENT ON COLUMN kpi.competitor_benchmarks.period_start IS 'First day of the period.';
COMMENT ON COLUMN kpi.competitor_benchmarks.period_end IS 'Last day of the period.';
COMMENT ON COLUMN kpi.competitor_benchmarks.brand_id IS 'The brand compared (core.brand_competitors.brand_id).';
COMMENT ON COLUMN kpi.competitor_benchmarks.platform IS 'Platform of the accounts compared.';
COMMENT ON COLUMN kpi.competitor_benchmarks.kpi IS 'followers | followers_net_change | audience_growth_rate | posts_published (platform rollups by the period rule) | engagements_per_post | engagement_rate_per_post (mean over the posts published in the period of likes + comments, and of (likes + comments) / followers at publication x100).';
COMMENT ON COLUMN kpi.competitor_benchmarks.brand_value IS 'The brand''s value on that platform and period (NULL: the brand has none).';
COMMENT ON COLUMN kpi.competitor_benchmarks.competitor_id IS 'The competitor of this row (core.brand_competitors.competitor_id).';
COMMENT ON COLUMN kpi.competitor_benchmarks.competitor_value IS 'The competitor''s value on that platform and period (NULL: unknown).';
COMMENT ON COLUMN kpi.competitor_benchmarks.competitor_average IS 'Mean of the values of the brand''s competitors that have one on that platform, period and KPI (Competitor Average).';
COMMENT ON COLUMN kpi.competitor_benchmarks.competitors_counted IS 'Competitors whose value entered competitor_average.';
COMMENT ON COLUMN kpi.competitor_benchmarks.brand_vs_average IS 'brand_value - competitor_average (NULL when either is unknown).';
