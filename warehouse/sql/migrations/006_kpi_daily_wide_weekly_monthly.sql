-- Views over kpi.daily: one column per KPI, and ISO-week / calendar-month re-aggregations.
-- Each view reads only tables (kpi.daily, kpi.catalogue), so the analyst snapshot can recreate
-- them in any order. kpi.daily_wide lists the KPIs of transforms/catalogue.py as of this
-- migration (tests/transforms/test_kpi_periods.py checks they agree); a new KPI replaces the
-- view in a new migration.

CREATE VIEW kpi.daily_wide AS
SELECT
    date, brand_id, platform, account_id,
    max(value) FILTER (WHERE kpi = 'followers') AS followers,
    max(value) FILTER (WHERE kpi = 'followers_net_change') AS followers_net_change,
    max(value) FILTER (WHERE kpi = 'audience_growth_rate') AS audience_growth_rate,
    max(value) FILTER (WHERE kpi = 'impressions') AS impressions,
    max(value) FILTER (WHERE kpi = 'reach') AS reach,
    max(value) FILTER (WHERE kpi = 'reach_rate') AS reach_rate,
    max(value) FILTER (WHERE kpi = 'potential_reach') AS potential_reach,
    max(value) FILTER (WHERE kpi = 'profile_visits') AS profile_visits,
    max(value) FILTER (WHERE kpi = 'video_views') AS video_views,
    max(value) FILTER (WHERE kpi = 'share_of_voice') AS share_of_voice,
    max(value) FILTER (WHERE kpi = 'likes') AS likes,
    max(value) FILTER (WHERE kpi = 'comments') AS comments,
    max(value) FILTER (WHERE kpi = 'shares') AS shares,
    max(value) FILTER (WHERE kpi = 'saves') AS saves,
    max(value) FILTER (WHERE kpi = 'clicks') AS clicks,
    max(value) FILTER (WHERE kpi = 'engagements') AS engagements,
    max(value) FILTER (WHERE kpi = 'engagement_rate') AS engagement_rate,
    max(value) FILTER (WHERE kpi = 'engagement_rate_reach') AS engagement_rate_reach,
    max(value) FILTER (WHERE kpi = 'engagement_rate_impressions') AS engagement_rate_impressions,
    max(value) FILTER (WHERE kpi = 'applause_rate') AS applause_rate,
    max(value) FILTER (WHERE kpi = 'amplification_rate') AS amplification_rate,
    max(value) FILTER (WHERE kpi = 'virality_rate') AS virality_rate,
    max(value) FILTER (WHERE kpi = 'post_reaction_rate') AS post_reaction_rate,
    max(value) FILTER (WHERE kpi = 'posts_published') AS posts_published,
    max(value) FILTER (WHERE kpi = 'engagements_per_post') AS engagements_per_post,
    max(value) FILTER (WHERE kpi = 'follower_churn_rate') AS follower_churn_rate,
    max(value) FILTER (WHERE kpi = 'follower_retention_rate') AS follower_retention_rate,
    max(value) FILTER (WHERE kpi = 'ctr') AS ctr,
    max(value) FILTER (WHERE kpi = 'conversions') AS conversions,
    max(value) FILTER (WHERE kpi = 'conversion_rate') AS conversion_rate,
    max(value) FILTER (WHERE kpi = 'bounce_rate') AS bounce_rate,
    max(value) FILTER (WHERE kpi = 'cpc') AS cpc,
    max(value) FILTER (WHERE kpi = 'cpm') AS cpm,
    max(value) FILTER (WHERE kpi = 'roi') AS roi,
    max(value) FILTER (WHERE kpi = 'reviews_count') AS reviews_count,
    max(value) FILTER (WHERE kpi = 'average_rating') AS average_rating,
    max(value) FILTER (WHERE kpi = 'csat') AS csat,
    max(value) FILTER (WHERE kpi = 'nps') AS nps
FROM kpi.daily
GROUP BY date, brand_id, platform, account_id;
COMMENT ON VIEW kpi.daily_wide IS 'kpi.daily with one column per KPI [date, brand_id, platform, account_id]: the value of each KPI (NULL where kpi.daily has no row or a NULL value).';
COMMENT ON COLUMN kpi.daily_wide.date IS 'Reporting date.';
COMMENT ON COLUMN kpi.daily_wide.brand_id IS 'Brand (or competitor) id.';
COMMENT ON COLUMN kpi.daily_wide.platform IS 'Platform, or ''all'' for the brand rollup.';
COMMENT ON COLUMN kpi.daily_wide.account_id IS 'Account id, or ''all'' for rollups.';
COMMENT ON COLUMN kpi.daily_wide.followers IS 'followers: followers at the end of the day.';
COMMENT ON COLUMN kpi.daily_wide.followers_net_change IS 'followers_net_change: followers gained - followers lost (or day-over-day change).';
COMMENT ON COLUMN kpi.daily_wide.audience_growth_rate IS 'audience_growth_rate: net follower change / followers at period start x100.';
COMMENT ON COLUMN kpi.daily_wide.impressions IS 'impressions: impressions.';
COMMENT ON COLUMN kpi.daily_wide.reach IS 'reach: unique accounts reached.';
COMMENT ON COLUMN kpi.daily_wide.reach_rate IS 'reach_rate: reach / followers at period start x100.';
COMMENT ON COLUMN kpi.daily_wide.potential_reach IS 'potential_reach: sum of followers across the brand''s accounts.';
COMMENT ON COLUMN kpi.daily_wide.profile_visits IS 'profile_visits: profile visits.';
COMMENT ON COLUMN kpi.daily_wide.video_views IS 'video_views: video views.';
COMMENT ON COLUMN kpi.daily_wide.share_of_voice IS 'share_of_voice: brand mentions / (brand + competitor mentions) x100, per platform the mentions were counted on.';
COMMENT ON COLUMN kpi.daily_wide.likes IS 'likes: likes.';
COMMENT ON COLUMN kpi.daily_wide.comments IS 'comments: comments.';
COMMENT ON COLUMN kpi.daily_wide.shares IS 'shares: shares.';
COMMENT ON COLUMN kpi.daily_wide.saves IS 'saves: saves.';
COMMENT ON COLUMN kpi.daily_wide.clicks IS 'clicks: clicks.';
COMMENT ON COLUMN kpi.daily_wide.engagements IS 'engagements: likes + comments + shares + saves (the components the input reports).';
COMMENT ON COLUMN kpi.daily_wide.engagement_rate IS 'engagement_rate: engagements / followers at period start x100.';
COMMENT ON COLUMN kpi.daily_wide.engagement_rate_reach IS 'engagement_rate_reach: engagements / reach x100.';
COMMENT ON COLUMN kpi.daily_wide.engagement_rate_impressions IS 'engagement_rate_impressions: engagements / impressions x100.';
COMMENT ON COLUMN kpi.daily_wide.applause_rate IS 'applause_rate: (likes + saves) / followers at period start x100.';
COMMENT ON COLUMN kpi.daily_wide.amplification_rate IS 'amplification_rate: shares / followers at period start x100.';
COMMENT ON COLUMN kpi.daily_wide.virality_rate IS 'virality_rate: shares / impressions x100.';
COMMENT ON COLUMN kpi.daily_wide.post_reaction_rate IS 'post_reaction_rate: (likes + comments) / reach x100.';
COMMENT ON COLUMN kpi.daily_wide.posts_published IS 'posts_published: posts published.';
COMMENT ON COLUMN kpi.daily_wide.engagements_per_post IS 'engagements_per_post: engagements / posts published.';
COMMENT ON COLUMN kpi.daily_wide.follower_churn_rate IS 'follower_churn_rate: followers lost / followers at period start x100.';
COMMENT ON COLUMN kpi.daily_wide.follower_retention_rate IS 'follower_retention_rate: 100 - follower churn rate.';
COMMENT ON COLUMN kpi.daily_wide.ctr IS 'ctr: clicks / impressions x100.';
COMMENT ON COLUMN kpi.daily_wide.conversions IS 'conversions: web key events of sessions from the platform (GA4) + conversions of paid campaigns (ads platform rows).';
COMMENT ON COLUMN kpi.daily_wide.conversion_rate IS 'conversion_rate: (web key events + ad conversions) / (content clicks + ad clicks) x100: on a social platform, the key events of its web sessions over the clicks on the brand''s content there; on an ads platform, the conversions of campaigns that report them over those campaigns'' clicks.';
COMMENT ON COLUMN kpi.daily_wide.bounce_rate IS 'bounce_rate: bounced sessions / sessions x100 (web sessions from the platform).';
COMMENT ON COLUMN kpi.daily_wide.cpc IS 'cpc: ad spend / ad clicks (reporting currency).';
COMMENT ON COLUMN kpi.daily_wide.cpm IS 'cpm: ad spend / ad impressions x1000 (reporting currency).';
COMMENT ON COLUMN kpi.daily_wide.roi IS 'roi: (web revenue from social sessions - ad spend) / ad spend x100, both in the reporting currency, per brand.';
COMMENT ON COLUMN kpi.daily_wide.reviews_count IS 'reviews_count: number of reviews written that day.';
COMMENT ON COLUMN kpi.daily_wide.average_rating IS 'average_rating: sum(rating) / number of rated reviews.';
COMMENT ON COLUMN kpi.daily_wide.csat IS 'csat: CSAT responses scoring in the top two points of their scale (4-5 of 5) / answered CSAT responses x100.';
COMMENT ON COLUMN kpi.daily_wide.nps IS 'nps: % promoters (9-10) - % detractors (0-6) of answered NPS responses.';

CREATE VIEW kpi.weekly AS
WITH days AS (
    SELECT d.*, CAST(date_trunc('week', d.date) AS DATE) AS period_start, c.period_rule, c.scale
    FROM kpi.daily AS d
    JOIN kpi.catalogue AS c USING (kpi)
),
periods AS (
    SELECT
        period_start, brand_id, platform, account_id, kpi, period_rule, scale,
        count(*) AS days_with_rows,
        sum(numerator) AS numerator_sum,
        sum(numerator) FILTER (WHERE numerator IS NOT NULL AND denominator IS NOT NULL) AS paired_numerator,
        sum(denominator) FILTER (WHERE numerator IS NOT NULL AND denominator IS NOT NULL) AS paired_denominator,
        -- follower-based rates: the first day's denominator is the followers at the end of the day
        -- before the period; no row on the first day means it is not known
        max(denominator) FILTER (WHERE date = period_start) AS start_denominator,
        -- follower_retention_rate: a day's denominator - numerator is the followers lost that day
        sum(denominator - numerator) AS retention_lost,
        arg_max_null(value, date) AS last_value
    FROM days
    GROUP BY period_start, brand_id, platform, account_id, kpi, period_rule, scale
),
ruled AS (
    SELECT
        *,
        CASE period_rule
            WHEN 'sum' THEN numerator_sum
            WHEN 'end' THEN last_value
            WHEN 'ratio' THEN paired_numerator
            WHEN 'start_ratio' THEN numerator_sum
            WHEN 'retention' THEN start_denominator - retention_lost
        END AS period_numerator,
        CASE period_rule
            WHEN 'ratio' THEN paired_denominator
            WHEN 'start_ratio' THEN start_denominator
            WHEN 'retention' THEN start_denominator
        END AS period_denominator
    FROM periods
)
SELECT
    period_start AS week_start,
    period_start + 6 AS week_end,
    CAST(isoyear(period_start) AS INTEGER) AS iso_year,
    CAST(week(period_start) AS INTEGER) AS iso_week,
    brand_id, platform, account_id, kpi,
    CASE WHEN period_rule IN ('sum', 'end') THEN period_numerator
         WHEN period_numerator IS NULL OR period_denominator IS NULL OR period_denominator = 0 THEN NULL
         ELSE period_numerator / period_denominator * scale END AS value,
    period_numerator AS numerator,
    period_denominator AS denominator,
    days_with_rows
FROM ruled;
COMMENT ON VIEW kpi.weekly IS 'KPIs per ISO week (Monday to Sunday) [week_start, brand_id, platform, account_id, kpi], re-aggregated from kpi.daily numerators and denominators by kpi.catalogue.period_rule: counts summed, followers and potential_reach at the end of the period, rates as summed numerators / summed denominators (never an average of daily rates), follower-based rates over the followers at the period start (the day before the period), reach and reach-denominated rates NULL (no platform period reach yet).';
COMMENT ON COLUMN kpi.weekly.week_start IS 'First day of the week (Monday).';
COMMENT ON COLUMN kpi.weekly.week_end IS 'Last day of the week (Sunday).';
COMMENT ON COLUMN kpi.weekly.iso_year IS 'ISO year of the week.';
COMMENT ON COLUMN kpi.weekly.iso_week IS 'ISO week number (1-53).';
COMMENT ON COLUMN kpi.weekly.brand_id IS 'Brand (or competitor) id.';
COMMENT ON COLUMN kpi.weekly.platform IS 'Platform, or ''all'' for the brand rollup.';
COMMENT ON COLUMN kpi.weekly.account_id IS 'Account id, or ''all'' for rollups.';
COMMENT ON COLUMN kpi.weekly.kpi IS 'KPI name (see kpi.catalogue).';
COMMENT ON COLUMN kpi.weekly.value IS 'KPI value for the week; NULL when the numerator or denominator is unknown or the denominator is zero, and for reach KPIs.';
COMMENT ON COLUMN kpi.weekly.numerator IS 'Numerator for the week (the value for counts).';
COMMENT ON COLUMN kpi.weekly.denominator IS 'Denominator for the week; NULL for counts.';
COMMENT ON COLUMN kpi.weekly.days_with_rows IS 'Days of the week that have a kpi.daily row for this KPI (a partial week has fewer).';

CREATE VIEW kpi.monthly AS
WITH days AS (
    SELECT d.*, CAST(date_trunc('month', d.date) AS DATE) AS period_start, c.period_rule, c.scale
    FROM kpi.daily AS d
    JOIN kpi.catalogue AS c USING (kpi)
),
periods AS (
    SELECT
        period_start, brand_id, platform, account_id, kpi, period_rule, scale,
        count(*) AS days_with_rows,
        sum(numerator) AS numerator_sum,
        sum(numerator) FILTER (WHERE numerator IS NOT NULL AND denominator IS NOT NULL) AS paired_numerator,
        sum(denominator) FILTER (WHERE numerator IS NOT NULL AND denominator IS NOT NULL) AS paired_denominator,
        -- follower-based rates: the first day's denominator is the followers at the end of the day
        -- before the period; no row on the first day means it is not known
        max(denominator) FILTER (WHERE date = period_start) AS start_denominator,
        -- follower_retention_rate: a day's denominator - numerator is the followers lost that day
        sum(denominator - numerator) AS retention_lost,
        arg_max_null(value, date) AS last_value
    FROM days
    GROUP BY period_start, brand_id, platform, account_id, kpi, period_rule, scale
),
ruled AS (
    SELECT
        *,
        CASE period_rule
            WHEN 'sum' THEN numerator_sum
            WHEN 'end' THEN last_value
            WHEN 'ratio' THEN paired_numerator
            WHEN 'start_ratio' THEN numerator_sum
            WHEN 'retention' THEN start_denominator - retention_lost
        END AS period_numerator,
        CASE period_rule
            WHEN 'ratio' THEN paired_denominator
            WHEN 'start_ratio' THEN start_denominator
            WHEN 'retention' THEN start_denominator
        END AS period_denominator
    FROM periods
)
SELECT
    period_start AS month_start,
    last_day(period_start) AS month_end,
    brand_id, platform, account_id, kpi,
    CASE WHEN period_rule IN ('sum', 'end') THEN period_numerator
         WHEN period_numerator IS NULL OR period_denominator IS NULL OR period_denominator = 0 THEN NULL
         ELSE period_numerator / period_denominator * scale END AS value,
    period_numerator AS numerator,
    period_denominator AS denominator,
    days_with_rows
FROM ruled;
COMMENT ON VIEW kpi.monthly IS 'KPIs per calendar month [month_start, brand_id, platform, account_id, kpi], re-aggregated from kpi.daily numerators and denominators by kpi.catalogue.period_rule: counts summed, followers and potential_reach at the end of the period, rates as summed numerators / summed denominators (never an average of daily rates), follower-based rates over the followers at the period start (the day before the period), reach and reach-denominated rates NULL (no platform period reach yet).';
COMMENT ON COLUMN kpi.monthly.month_start IS 'First day of the month.';
COMMENT ON COLUMN kpi.monthly.month_end IS 'Last day of the month.';
COMMENT ON COLUMN kpi.monthly.brand_id IS 'Brand (or competitor) id.';
COMMENT ON COLUMN kpi.monthly.platform IS 'Platform, or ''all'' for the brand rollup.';
COMMENT ON COLUMN kpi.monthly.account_id IS 'Account id, or ''all'' for rollups.';
COMMENT ON COLUMN kpi.monthly.kpi IS 'KPI name (see kpi.catalogue).';
COMMENT ON COLUMN kpi.monthly.value IS 'KPI value for the month; NULL when the numerator or denominator is unknown or the denominator is zero, and for reach KPIs.';
COMMENT ON COLUMN kpi.monthly.numerator IS 'Numerator for the month (the value for counts).';
COMMENT ON COLUMN kpi.monthly.denominator IS 'Denominator for the month; NULL for counts.';
COMMENT ON COLUMN kpi.monthly.days_with_rows IS 'Days of the month that have a kpi.daily row for this KPI (a partial month has fewer).';
