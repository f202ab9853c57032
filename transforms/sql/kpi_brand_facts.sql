-- Business facts for the brand-level KPIs, included into kpi_daily.sql.j2 (CTE definitions only;
-- they read `base` and `capabilities` from there).
--
-- brand_facts:  one row per brand, platform and day that has web, paid-media, mention or review
--               facts. platform = the social platform the web sessions came from or the mentions
--               were counted on, the ads platform (meta_ads), the review platform.
-- brand_totals: one row per brand and day for the KPIs that only exist across platforms (roi,
--               csat, nps).
-- Money is converted to the reporting currency: $rates maps each currency (the reporting one
-- included) to units of the reporting currency; $revenue_currency maps a web property to the
-- currency of its revenue (unlisted: $reporting). transforms/kpis.py refuses to run when a
-- currency in the window has no rate, so no amount is silently dropped or mixed here.
-- The can_<x> flags say which KPIs a row can produce (catalogue `requires`).
web_facts AS (
    SELECT
        date, brand_id, platform,
        -- bounce rate pairs: only properties that report both
        sum(sessions) FILTER (WHERE sessions IS NOT NULL AND bounced_sessions IS NOT NULL) AS web_sessions,
        sum(bounced_sessions) FILTER (WHERE sessions IS NOT NULL AND bounced_sessions IS NOT NULL)
            AS web_bounced_sessions,
        sum(conversions) AS web_conversions,
        sum(revenue * CAST($rates AS MAP(VARCHAR, DOUBLE))[
            coalesce(CAST($revenue_currency AS MAP(VARCHAR, VARCHAR))[account_id], CAST($reporting AS VARCHAR))])
            AS web_revenue
    FROM core.web_daily
    WHERE date BETWEEN $start AND $end
    GROUP BY date, brand_id, platform
),
ads_facts AS (
    SELECT
        date, brand_id, platform,
        sum(spend * CAST($rates AS MAP(VARCHAR, DOUBLE))[currency]) AS ad_spend,
        -- cost pairs: only campaigns that report both the spend and the clicks (impressions)
        sum(spend * CAST($rates AS MAP(VARCHAR, DOUBLE))[currency])
            FILTER (WHERE spend IS NOT NULL AND clicks IS NOT NULL) AS ad_spend_with_clicks,
        sum(clicks) FILTER (WHERE spend IS NOT NULL AND clicks IS NOT NULL) AS ad_clicks_with_spend,
        sum(spend * CAST($rates AS MAP(VARCHAR, DOUBLE))[currency])
            FILTER (WHERE spend IS NOT NULL AND impressions IS NOT NULL) AS ad_spend_with_impressions,
        sum(impressions) FILTER (WHERE spend IS NOT NULL AND impressions IS NOT NULL) AS ad_impressions_with_spend,
        -- conversions are NULL for traffic and awareness results: those campaigns do not count
        sum(conversions) AS ad_conversions,
        sum(conversions) FILTER (WHERE conversions IS NOT NULL AND clicks IS NOT NULL) AS ad_conversions_with_clicks,
        sum(clicks) FILTER (WHERE conversions IS NOT NULL AND clicks IS NOT NULL) AS ad_clicks_with_conversions
    FROM core.ads_daily
    WHERE date BETWEEN $start AND $end
    GROUP BY date, brand_id, platform
),
-- "At all (any date)" below is read from core.fact_coverage (kept in step with the fact tables by
-- the core rebuilds), not from the whole history of the fact tables.
-- (brand, ads platform) whose campaigns report conversions at all (any date)
ads_reporting_conversions AS (
    SELECT DISTINCT brand_id, platform
    FROM core.fact_coverage
    WHERE fact = 'ad_conversions'
),
-- the subjects (the brand and its competitors) counted on each platform at all (any date): share
-- of voice needs every one of them that day
mention_subjects_counted AS (
    SELECT brand_id, platform, count(DISTINCT subject_id) AS subjects, bool_or(is_competitor) AS has_competitors
    FROM core.fact_coverage
    WHERE fact = 'mentions'
    GROUP BY brand_id, platform
),
mention_facts AS (
    SELECT
        m.date, m.brand_id, m.platform,
        any_value(s.has_competitors) AS has_competitors,
        sum(m.mentions) FILTER (WHERE NOT m.is_competitor) AS brand_mentions,
        CASE WHEN count(m.mentions) = any_value(s.subjects) THEN sum(m.mentions) END AS all_mentions
    FROM core.mentions_daily AS m
    JOIN mention_subjects_counted AS s USING (brand_id, platform)
    WHERE m.date BETWEEN $start AND $end
    GROUP BY m.date, m.brand_id, m.platform
),
-- Reviews are events: every day from a brand's first to its last known review gets a row (a day
-- without a review counts 0); outside that span the source's coverage is unknown, so no row.
-- The spans come from core.event_spans (rewritten with core.reviews), the reviews from the window.
review_days AS (
    SELECT CAST(day AS DATE) AS date, brand_id, platform
    FROM (
        SELECT brand_id, platform,
               unnest(generate_series(greatest(first_date, $start), least(last_date, $end), INTERVAL 1 DAY)) AS day
        FROM core.event_spans
        WHERE events = 'reviews'
    )
),
review_facts AS (
    SELECT
        d.date, d.brand_id, d.platform,
        count(r.review_id) AS reviews,
        coalesce(sum(r.rating), 0) AS rating_sum,
        count(r.rating) AS rated_reviews
    FROM review_days AS d
    LEFT JOIN (SELECT * FROM core.reviews WHERE created_date BETWEEN $start AND $end) AS r
        ON r.brand_id = d.brand_id AND r.platform = d.platform AND r.created_date = d.date
    GROUP BY d.date, d.brand_id, d.platform
),
-- content clicks of the brand's accounts per platform and day (the conversion-rate denominator of
-- web key events), and the platforms where the brand has an account that reports clicks at all
content_clicks AS (
    SELECT date, brand_id, platform, sum(clicks) AS content_clicks
    FROM base
    WHERE in_config
    GROUP BY date, brand_id, platform
),
click_platforms AS (
    SELECT DISTINCT a.brand_id, a.platform
    FROM core.accounts AS a
    JOIN capabilities AS c USING (platform, account_id)
    WHERE c.can_clicks AND a.in_config
),
brand_platform_days AS (
    SELECT date, brand_id, platform FROM web_facts
    UNION
    SELECT date, brand_id, platform FROM ads_facts
    UNION
    SELECT date, brand_id, platform FROM mention_facts
    UNION
    SELECT date, brand_id, platform FROM review_facts
),
brand_fact_parts AS (
    SELECT
        k.date, k.brand_id, k.platform,
        w.date IS NOT NULL AS can_web,
        a.date IS NOT NULL AS can_ads,
        a.date IS NOT NULL AND ac.brand_id IS NOT NULL AS can_ad_conversions,
        w.date IS NOT NULL AND cp.brand_id IS NOT NULL AS can_web_clicks,
        coalesce(m.has_competitors, false) AS can_mentions_vs_competitors,
        r.date IS NOT NULL AS can_reviews,
        w.web_sessions, w.web_bounced_sessions, w.web_conversions, w.web_revenue,
        CASE WHEN cp.brand_id IS NOT NULL THEN c.content_clicks END AS content_clicks,
        a.ad_spend, a.ad_spend_with_clicks, a.ad_clicks_with_spend, a.ad_spend_with_impressions,
        a.ad_impressions_with_spend, a.ad_conversions, a.ad_conversions_with_clicks, a.ad_clicks_with_conversions,
        m.brand_mentions, m.all_mentions,
        r.reviews, r.rating_sum, r.rated_reviews
    FROM brand_platform_days AS k
    LEFT JOIN web_facts AS w USING (date, brand_id, platform)
    LEFT JOIN ads_facts AS a USING (date, brand_id, platform)
    LEFT JOIN mention_facts AS m USING (date, brand_id, platform)
    LEFT JOIN review_facts AS r USING (date, brand_id, platform)
    LEFT JOIN content_clicks AS c USING (date, brand_id, platform)
    LEFT JOIN ads_reporting_conversions AS ac ON ac.brand_id = k.brand_id AND ac.platform = k.platform
    LEFT JOIN click_platforms AS cp ON cp.brand_id = k.brand_id AND cp.platform = k.platform
),
brand_facts AS (
    SELECT
        *,
        -- conversion rate: a source counts when it has both its conversions and its clicks
        -- (web: key events and content clicks; ads: campaigns reporting conversions and clicks)
        CASE WHEN web_paired OR ads_paired THEN
            CASE WHEN web_paired THEN web_conversions ELSE 0 END
            + CASE WHEN ads_paired THEN ad_conversions_with_clicks ELSE 0 END END AS rate_conversions,
        CASE WHEN web_paired OR ads_paired THEN
            CASE WHEN web_paired THEN content_clicks ELSE 0 END
            + CASE WHEN ads_paired THEN ad_clicks_with_conversions ELSE 0 END END AS rate_clicks
    FROM (
        SELECT
            *,
            web_conversions IS NOT NULL AND content_clicks IS NOT NULL AS web_paired,
            ad_conversions_with_clicks IS NOT NULL AS ads_paired
        FROM brand_fact_parts
    )
),
-- roi pairs web revenue with ad spend: only for brands that have both inputs at all (any date)
roi_brands AS (
    SELECT brand_id FROM core.fact_coverage WHERE fact = 'web_revenue'
    INTERSECT
    SELECT brand_id FROM core.fact_coverage WHERE fact = 'ad_spend'
),
money_totals AS (
    SELECT date, brand_id, sum(web_revenue) AS revenue, sum(ad_spend) AS spend
    FROM brand_facts
    WHERE can_web OR can_ads
    GROUP BY date, brand_id
),
-- Survey responses are events like reviews: every day from a brand's first to its last response
-- of a kind gets a row (spans from core.event_spans). CSAT counts the top two points of each
-- response's scale.
survey_days AS (
    SELECT CAST(day AS DATE) AS date, brand_id, kind
    FROM (
        SELECT brand_id, kind,
               unnest(generate_series(greatest(first_date, $start), least(last_date, $end), INTERVAL 1 DAY)) AS day
        FROM core.event_spans
        WHERE events = 'survey_responses'
    )
),
survey_facts AS (
    SELECT
        d.date, d.brand_id,
        bool_or(d.kind = 'csat') AS can_csat,
        bool_or(d.kind = 'nps') AS can_nps,
        count(r.score) FILTER (WHERE d.kind = 'csat' AND r.score >= r.scale_max - 1) AS csat_satisfied,
        count(r.score) FILTER (WHERE d.kind = 'csat') AS csat_responses,
        count(r.score) FILTER (WHERE d.kind = 'nps' AND r.score >= 9) AS nps_promoters,
        count(r.score) FILTER (WHERE d.kind = 'nps' AND r.score <= 6) AS nps_detractors,
        count(r.score) FILTER (WHERE d.kind = 'nps') AS nps_responses
    FROM survey_days AS d
    LEFT JOIN (SELECT * FROM core.survey_responses WHERE responded_date BETWEEN $start AND $end) AS r
        ON r.brand_id = d.brand_id AND r.kind = d.kind AND r.responded_date = d.date
    GROUP BY d.date, d.brand_id
),
brand_totals AS (
    SELECT
        date, brand_id,
        m.brand_id IS NOT NULL AND brand_id IN (SELECT brand_id FROM roi_brands) AS can_roi,
        coalesce(s.can_csat, false) AS can_csat,
        coalesce(s.can_nps, false) AS can_nps,
        m.revenue, m.spend,
        s.csat_satisfied, s.csat_responses, s.nps_promoters, s.nps_detractors, s.nps_responses
    FROM money_totals AS m
    FULL OUTER JOIN survey_facts AS s USING (date, brand_id)
),
