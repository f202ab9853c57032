-- The benchmark's baseline: kpi.daily for [$start, $end] as one hand-written DuckDB statement,
-- without the catalogue. Each account day (and each brand-platform day of business facts) is read
-- once and fanned out into its KPI rows with a list of structs, instead of one SELECT per KPI.
-- benchmarks/kpi_scale.py checks it returns the same rows as transforms/sql/kpi_daily.sql.j2.
WITH reported AS (
    SELECT platform, account_id, list(DISTINCT metric) AS metrics
    FROM raw.account_daily_values
    WHERE metric IS NOT NULL
    GROUP BY platform, account_id
),
caps AS (
    SELECT
        a.platform, a.account_id, a.brand_id,
        coalesce(list_has_any(r.metrics, ['engagements', 'likes', 'comments', 'shares', 'saves']), false) AS c_eng,
        coalesce(list_has_all(r.metrics, ['followers_gained', 'followers_lost'])
                 OR list_contains(r.metrics, 'followers_net_change'), false) AS c_net,
        coalesce(list_contains(r.metrics, 'followers'), false) AS c_followers_reported,
        coalesce(list_contains(r.metrics, 'impressions'), false) AS c_impressions,
        coalesce(list_contains(r.metrics, 'reach'), false) AS c_reach,
        coalesce(list_contains(r.metrics, 'profile_visits'), false) AS c_profile_visits,
        coalesce(list_contains(r.metrics, 'video_views'), false) AS c_video_views,
        coalesce(list_contains(r.metrics, 'likes'), false) AS c_likes,
        coalesce(list_contains(r.metrics, 'comments'), false) AS c_comments,
        coalesce(list_contains(r.metrics, 'shares'), false) AS c_shares,
        coalesce(list_contains(r.metrics, 'saves'), false) AS c_saves,
        coalesce(list_contains(r.metrics, 'clicks'), false) AS c_clicks,
        coalesce(list_contains(r.metrics, 'followers_lost'), false) AS c_lost,
        coalesce(list_contains(r.metrics, 'posts_published'), false)
            OR EXISTS (SELECT 1 FROM raw.export_coverage AS e
                       WHERE e.platform = a.platform AND e.account_id = a.account_id AND e.kind = 'posts') AS c_posts,
        EXISTS (SELECT 1 FROM core.follower_anchors AS f
                WHERE f.platform = a.platform AND f.account_id = a.account_id) AS has_anchor
    FROM core.accounts AS a
    LEFT JOIN reported AS r USING (platform, account_id)
),
days AS (
    SELECT
        d.date, d.platform, d.account_id, c.* EXCLUDE (platform, account_id),
        c.c_followers_reported OR (c.has_anchor AND c.c_net) AS c_followers,
        d.followers, d.followers_net_change, d.followers_lost, d.impressions, d.reach, d.profile_visits,
        d.video_views, d.likes, d.comments, d.shares, d.saves, d.clicks, d.engagements, d.posts_published,
        -- followers at the end of the previous day, if that day has a row
        CASE WHEN lag(d.date) OVER previous = d.date - 1 THEN lag(d.followers) OVER previous END AS f0
    FROM core.account_daily AS d
    JOIN caps AS c USING (platform, account_id)
    WHERE d.date BETWEEN CAST($start AS DATE) - 1 AND $end
    WINDOW previous AS (PARTITION BY d.platform, d.account_id ORDER BY d.date)
),
account_days AS (
    SELECT * FROM days WHERE date BETWEEN $start AND $end
),
account_kpis AS (
    SELECT date, brand_id, platform, account_id, k.kpi, k.n, k.d, k.rate, k.scale
    FROM (
        SELECT
            date, brand_id, platform, account_id,
            unnest(list_filter([
                {'kpi': 'followers', 'on': c_followers, 'n': followers, 'd': NULL, 'rate': false, 'scale': 1},
                {'kpi': 'followers_net_change', 'on': c_net OR c_followers,
                 'n': coalesce(followers_net_change, followers - f0), 'd': NULL, 'rate': false, 'scale': 1},
                {'kpi': 'audience_growth_rate', 'on': (c_net OR c_followers) AND c_followers,
                 'n': coalesce(followers_net_change, followers - f0), 'd': f0, 'rate': true, 'scale': 100},
                {'kpi': 'impressions', 'on': c_impressions, 'n': impressions, 'd': NULL, 'rate': false, 'scale': 1},
                {'kpi': 'reach', 'on': c_reach, 'n': reach, 'd': NULL, 'rate': false, 'scale': 1},
                {'kpi': 'reach_rate', 'on': c_reach AND c_followers, 'n': reach, 'd': f0, 'rate': true, 'scale': 100},
                {'kpi': 'potential_reach', 'on': c_followers, 'n': followers, 'd': NULL, 'rate': false, 'scale': 1},
                {'kpi': 'profile_visits', 'on': c_profile_visits, 'n': profile_visits, 'd': NULL, 'rate': false,
                 'scale': 1},
                {'kpi': 'video_views', 'on': c_video_views, 'n': video_views, 'd': NULL, 'rate': false, 'scale': 1},
                {'kpi': 'likes', 'on': c_likes, 'n': likes, 'd': NULL, 'rate': false, 'scale': 1},
                {'kpi': 'comments', 'on': c_comments, 'n': comments, 'd': NULL, 'rate': false, 'scale': 1},
                {'kpi': 'shares', 'on': c_shares, 'n': shares, 'd': NULL, 'rate': false, 'scale': 1},
                {'kpi': 'saves', 'on': c_saves, 'n': saves, 'd': NULL, 'rate': false, 'scale': 1},
                {'kpi': 'clicks', 'on': c_clicks, 'n': clicks, 'd': NULL, 'rate': false, 'scale': 1},
                {'kpi': 'engagements', 'on': c_eng, 'n': engagements, 'd': NULL, 'rate': false, 'scale': 1},
                {'kpi': 'engagement_rate', 'on': c_eng AND c_followers, 'n': engagements, 'd': f0, 'rate': true,
                 'scale': 100},
                {'kpi': 'engagement_rate_reach', 'on': c_eng AND c_reach, 'n': engagements, 'd': reach, 'rate': true,
                 'scale': 100},
                {'kpi': 'engagement_rate_impressions', 'on': c_eng AND c_impressions, 'n': engagements,
                 'd': impressions, 'rate': true, 'scale': 100},
                {'kpi': 'applause_rate', 'on': (c_likes OR c_saves) AND c_followers,
                 'n': (CASE WHEN c_likes THEN likes ELSE 0 END) + (CASE WHEN c_saves THEN saves ELSE 0 END),
                 'd': f0, 'rate': true, 'scale': 100},
                {'kpi': 'amplification_rate', 'on': c_shares AND c_followers, 'n': shares, 'd': f0, 'rate': true,
                 'scale': 100},
                {'kpi': 'virality_rate', 'on': c_shares AND c_impressions, 'n': shares, 'd': impressions,
                 'rate': true, 'scale': 100},
                {'kpi': 'post_reaction_rate', 'on': (c_likes OR c_comments) AND c_reach,
                 'n': (CASE WHEN c_likes THEN likes ELSE 0 END) + (CASE WHEN c_comments THEN comments ELSE 0 END),
                 'd': reach, 'rate': true, 'scale': 100},
                {'kpi': 'posts_published', 'on': c_posts, 'n': posts_published, 'd': NULL, 'rate': false, 'scale': 1},
                {'kpi': 'engagements_per_post', 'on': c_eng AND c_posts, 'n': engagements, 'd': posts_published,
                 'rate': true, 'scale': 1},
                {'kpi': 'follower_churn_rate', 'on': c_lost AND c_followers, 'n': followers_lost, 'd': f0,
                 'rate': true, 'scale': 100},
                {'kpi': 'follower_retention_rate', 'on': c_lost AND c_followers, 'n': f0 - followers_lost, 'd': f0,
                 'rate': true, 'scale': 100},
                {'kpi': 'ctr', 'on': c_clicks AND c_impressions, 'n': clicks, 'd': impressions, 'rate': true,
                 'scale': 100}
            ], lambda k: k.on)) AS k
        FROM account_days
    )
),
account_rollups AS (
    SELECT
        date, brand_id, coalesce(platform, 'all') AS platform, 'all' AS account_id, kpi,
        CASE WHEN rate THEN sum(n) FILTER (WHERE n IS NOT NULL AND d IS NOT NULL) ELSE sum(n) END AS n,
        CASE WHEN rate THEN sum(d) FILTER (WHERE n IS NOT NULL AND d IS NOT NULL) END AS d,
        rate, scale
    FROM account_kpis
    GROUP BY GROUPING SETS ((date, brand_id, platform, kpi, rate, scale), (date, brand_id, kpi, rate, scale))
),
-- ---- brand facts ----
web AS (
    SELECT
        date, brand_id, platform,
        sum(sessions) FILTER (WHERE sessions IS NOT NULL AND bounced_sessions IS NOT NULL) AS sessions,
        sum(bounced_sessions) FILTER (WHERE sessions IS NOT NULL AND bounced_sessions IS NOT NULL) AS bounced,
        sum(conversions) AS conversions,
        sum(revenue * CAST($rates AS MAP(VARCHAR, DOUBLE))[
            coalesce(CAST($revenue_currency AS MAP(VARCHAR, VARCHAR))[account_id], CAST($reporting AS VARCHAR))])
            AS revenue
    FROM core.web_daily
    WHERE date BETWEEN $start AND $end
    GROUP BY ALL
),
ads AS (
    SELECT
        date, brand_id, platform,
        sum(eur) AS spend,
        sum(eur) FILTER (WHERE eur IS NOT NULL AND clicks IS NOT NULL) AS cpc_n,
        sum(clicks) FILTER (WHERE eur IS NOT NULL AND clicks IS NOT NULL) AS cpc_d,
        sum(eur) FILTER (WHERE eur IS NOT NULL AND impressions IS NOT NULL) AS cpm_n,
        sum(impressions) FILTER (WHERE eur IS NOT NULL AND impressions IS NOT NULL) AS cpm_d,
        sum(conversions) AS conversions,
        sum(conversions) FILTER (WHERE conversions IS NOT NULL AND clicks IS NOT NULL) AS cr_n,
        sum(clicks) FILTER (WHERE conversions IS NOT NULL AND clicks IS NOT NULL) AS cr_d
    FROM (SELECT *, spend * CAST($rates AS MAP(VARCHAR, DOUBLE))[currency] AS eur
          FROM core.ads_daily WHERE date BETWEEN $start AND $end)
    GROUP BY ALL
),
ads_converting AS (
    SELECT DISTINCT brand_id, platform FROM core.ads_daily WHERE conversions IS NOT NULL
),
mentions AS (
    SELECT
        m.date, m.brand_id, m.platform,
        sum(m.mentions) FILTER (WHERE NOT m.is_competitor) AS brand_n,
        CASE WHEN count(m.mentions) = max(s.n_subjects) THEN sum(m.mentions) END AS all_n,
        bool_or(s.with_rivals) AS with_rivals
    FROM core.mentions_daily AS m
    JOIN (SELECT brand_id, platform, count(DISTINCT subject_id) AS n_subjects, bool_or(is_competitor) AS with_rivals
          FROM core.mentions_daily GROUP BY ALL) AS s USING (brand_id, platform)
    WHERE m.date BETWEEN $start AND $end
    GROUP BY ALL
),
review_span AS (
    SELECT brand_id, platform, min(created_date) AS first_day, max(created_date) AS last_day
    FROM core.reviews WHERE created_date IS NOT NULL GROUP BY ALL
),
reviews AS (
    SELECT s.brand_id, s.platform, CAST(g.day AS DATE) AS date,
           coalesce(r.n, 0) AS n, coalesce(r.rating_sum, 0) AS rating_sum, coalesce(r.rated, 0) AS rated
    FROM review_span AS s
    CROSS JOIN generate_series(CAST($start AS DATE), CAST($end AS DATE), INTERVAL 1 DAY) AS g(day)
    LEFT JOIN (SELECT brand_id, platform, created_date, count(*) AS n, sum(rating) AS rating_sum, count(rating) AS rated
               FROM core.reviews WHERE created_date BETWEEN $start AND $end GROUP BY ALL) AS r
        ON r.brand_id = s.brand_id AND r.platform = s.platform AND r.created_date = CAST(g.day AS DATE)
    WHERE CAST(g.day AS DATE) BETWEEN s.first_day AND s.last_day
),
clicks_by_platform AS (
    SELECT date, brand_id, platform, sum(clicks) AS clicks, bool_or(c_clicks) AS any_clicking
    FROM account_days
    GROUP BY ALL
),
clicking_platforms AS (
    SELECT DISTINCT brand_id, platform FROM caps WHERE c_clicks
),
brand_platform AS (
    SELECT
        k.date, k.brand_id, k.platform,
        w.date IS NOT NULL AS has_web, a.date IS NOT NULL AS has_ads,
        ac.brand_id IS NOT NULL AS ads_convert, cp.brand_id IS NOT NULL AS clicks_here,
        coalesce(m.with_rivals, false) AS with_rivals, r.date IS NOT NULL AS has_reviews,
        w.sessions, w.bounced, w.conversions AS web_conversions, w.revenue,
        CASE WHEN cp.brand_id IS NOT NULL THEN c.clicks END AS content_clicks,
        a.spend, a.cpc_n, a.cpc_d, a.cpm_n, a.cpm_d, a.conversions AS ad_conversions, a.cr_n, a.cr_d,
        m.brand_n, m.all_n, r.n AS reviews_n, r.rating_sum, r.rated
    FROM (SELECT date, brand_id, platform FROM web UNION SELECT date, brand_id, platform FROM ads
          UNION SELECT date, brand_id, platform FROM mentions UNION SELECT date, brand_id, platform FROM reviews) AS k
    LEFT JOIN web AS w USING (date, brand_id, platform)
    LEFT JOIN ads AS a USING (date, brand_id, platform)
    LEFT JOIN mentions AS m USING (date, brand_id, platform)
    LEFT JOIN reviews AS r USING (date, brand_id, platform)
    LEFT JOIN clicks_by_platform AS c USING (date, brand_id, platform)
    LEFT JOIN ads_converting AS ac ON ac.brand_id = k.brand_id AND ac.platform = k.platform
    LEFT JOIN clicking_platforms AS cp ON cp.brand_id = k.brand_id AND cp.platform = k.platform
),
brand_platform_kpis AS (
    SELECT date, brand_id, platform, 'all' AS account_id, k.kpi, k.n, k.d, k.rate, k.scale
    FROM (
        SELECT
            date, brand_id, platform,
            web_conversions IS NOT NULL AND content_clicks IS NOT NULL AS web_pair,
            cr_n IS NOT NULL AS ad_pair,
            unnest(list_filter([
                {'kpi': 'share_of_voice', 'on': with_rivals, 'n': brand_n, 'd': all_n, 'rate': true, 'scale': 100},
                {'kpi': 'conversions', 'on': has_web OR (has_ads AND ads_convert),
                 'n': CASE WHEN web_conversions IS NULL AND ad_conversions IS NULL THEN NULL
                           ELSE coalesce(web_conversions, 0) + coalesce(ad_conversions, 0) END,
                 'd': NULL, 'rate': false, 'scale': 1},
                {'kpi': 'conversion_rate', 'on': (has_web AND clicks_here) OR (has_ads AND ads_convert),
                 'n': CASE WHEN web_conversions IS NOT NULL AND content_clicks IS NOT NULL
                           THEN web_conversions + coalesce(cr_n, 0) ELSE cr_n END,
                 'd': CASE WHEN web_conversions IS NOT NULL AND content_clicks IS NOT NULL
                           THEN content_clicks + coalesce(cr_d, 0) ELSE cr_d END,
                 'rate': true, 'scale': 100},
                {'kpi': 'bounce_rate', 'on': has_web, 'n': bounced, 'd': sessions, 'rate': true, 'scale': 100},
                {'kpi': 'cpc', 'on': has_ads, 'n': cpc_n, 'd': cpc_d, 'rate': true, 'scale': 1},
                {'kpi': 'cpm', 'on': has_ads, 'n': cpm_n, 'd': cpm_d, 'rate': true, 'scale': 1000},
                {'kpi': 'reviews_count', 'on': has_reviews, 'n': reviews_n, 'd': NULL, 'rate': false, 'scale': 1},
                {'kpi': 'average_rating', 'on': has_reviews, 'n': rating_sum, 'd': rated, 'rate': true, 'scale': 1}
            ], lambda k: k.on)) AS k
        FROM brand_platform
    )
),
brand_platform_all AS (
    SELECT
        date, brand_id, 'all' AS platform, 'all' AS account_id, kpi,
        CASE WHEN rate THEN sum(n) FILTER (WHERE n IS NOT NULL AND d IS NOT NULL) ELSE sum(n) END AS n,
        CASE WHEN rate THEN sum(d) FILTER (WHERE n IS NOT NULL AND d IS NOT NULL) END AS d,
        rate, scale
    FROM brand_platform_kpis
    GROUP BY date, brand_id, kpi, rate, scale
),
survey_span AS (
    SELECT brand_id, kind, min(responded_date) AS first_day, max(responded_date) AS last_day
    FROM core.survey_responses WHERE responded_date IS NOT NULL GROUP BY ALL
),
surveys AS (
    SELECT
        CAST(g.day AS DATE) AS date, s.brand_id, s.kind,
        count(r.score) FILTER (WHERE r.score >= r.scale_max - 1) AS satisfied,
        count(r.score) FILTER (WHERE r.score >= 9) AS promoters,
        count(r.score) FILTER (WHERE r.score <= 6) AS detractors,
        count(r.score) AS answered
    FROM survey_span AS s
    CROSS JOIN generate_series(CAST($start AS DATE), CAST($end AS DATE), INTERVAL 1 DAY) AS g(day)
    LEFT JOIN core.survey_responses AS r
        ON r.brand_id = s.brand_id AND r.kind = s.kind AND r.responded_date = CAST(g.day AS DATE)
    WHERE CAST(g.day AS DATE) BETWEEN s.first_day AND s.last_day
    GROUP BY ALL
),
roi AS (
    SELECT date, brand_id, sum(revenue) - sum(spend) AS n, sum(spend) AS d
    FROM brand_platform
    WHERE (has_web OR has_ads)
      AND brand_id IN (SELECT brand_id FROM core.web_daily WHERE revenue IS NOT NULL)
      AND brand_id IN (SELECT brand_id FROM core.ads_daily WHERE spend IS NOT NULL)
    GROUP BY ALL
),
brand_kpis AS (
    SELECT date, brand_id, 'all' AS platform, 'all' AS account_id, 'roi' AS kpi, n, d, true AS rate, 100 AS scale
    FROM roi
    UNION ALL
    SELECT date, brand_id, 'all', 'all', CASE kind WHEN 'csat' THEN 'csat' ELSE 'nps' END,
           CASE kind WHEN 'csat' THEN satisfied ELSE promoters - detractors END, answered, true, 100
    FROM surveys
),
all_rows AS (
    SELECT date, brand_id, platform, account_id, kpi, n, d, rate, scale FROM account_kpis
    UNION ALL
    SELECT date, brand_id, platform, account_id, kpi, n, d, rate, scale FROM account_rollups
    UNION ALL
    SELECT date, brand_id, platform, account_id, kpi, n, d, rate, scale FROM brand_platform_kpis
    UNION ALL
    SELECT date, brand_id, platform, account_id, kpi, n, d, rate, scale FROM brand_platform_all
    UNION ALL
    SELECT date, brand_id, platform, account_id, kpi, n, d, rate, scale FROM brand_kpis
)
SELECT
    date, brand_id, platform, account_id, kpi,
    CASE WHEN NOT rate THEN CAST(n AS DOUBLE)
         WHEN n IS NULL OR d IS NULL OR d = 0 THEN NULL
         ELSE CAST(n AS DOUBLE) / d * scale END AS value,
    CAST(n AS DOUBLE) AS numerator,
    CASE WHEN rate THEN CAST(d AS DOUBLE) END AS denominator
FROM all_rows
