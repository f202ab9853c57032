-- Summaries kept up to date as data lands, so that a nightly run reads its window (and the
-- baselines' look-back), never the whole history: what each account reports at all
-- (account_capabilities.sql), and which facts a brand has at all per platform (share-of-voice
-- subjects, ad conversions, ad spend, web revenue: kpi_brand_facts.sql). Filled here from what
-- an existing warehouse holds.

CREATE TABLE raw.account_metrics_reported (
    platform VARCHAR NOT NULL,
    account_id VARCHAR NOT NULL,
    metric VARCHAR NOT NULL
);
COMMENT ON TABLE raw.account_metrics_reported IS 'Canonical metrics each account has reported at least once (any date, any source) [platform, account_id, metric]: the distinct metrics of raw.account_daily_values, kept up to date as values land.';
COMMENT ON COLUMN raw.account_metrics_reported.platform IS 'Platform.';
COMMENT ON COLUMN raw.account_metrics_reported.account_id IS 'Account id.';
COMMENT ON COLUMN raw.account_metrics_reported.metric IS 'Canonical metric (a core.account_daily column) with at least one row in raw.account_daily_values.';

INSERT INTO raw.account_metrics_reported
SELECT DISTINCT platform, account_id, metric
FROM raw.account_daily_values
WHERE metric IS NOT NULL;

CREATE TABLE core.fact_coverage (
    fact VARCHAR NOT NULL,
    brand_id VARCHAR NOT NULL,
    platform VARCHAR NOT NULL,
    subject_id VARCHAR,
    is_competitor BOOLEAN,
    days BIGINT NOT NULL
);
COMMENT ON TABLE core.fact_coverage IS 'How many rows of a business fact each brand has per platform (any date) [fact, brand_id, platform, subject_id, is_competitor]: kept up to date by the core window rebuilds, so the KPIs read it instead of the whole history.';
COMMENT ON COLUMN core.fact_coverage.fact IS 'mentions (core.mentions_daily rows per subject) | ad_conversions, ad_spend (core.ads_daily rows with conversions, with spend) | web_revenue (core.web_daily rows with revenue).';
COMMENT ON COLUMN core.fact_coverage.brand_id IS 'Brand.';
COMMENT ON COLUMN core.fact_coverage.platform IS 'Platform of the fact rows (as in the core table).';
COMMENT ON COLUMN core.fact_coverage.subject_id IS 'mentions: the brand or competitor mentioned; NULL for the other facts.';
COMMENT ON COLUMN core.fact_coverage.is_competitor IS 'mentions: true when subject_id is a competitor of brand_id; NULL for the other facts.';
COMMENT ON COLUMN core.fact_coverage.days IS 'Rows of the core table with the fact (days, times campaigns or properties); the row goes when it reaches 0.';

-- as transforms/sql/fact_coverage_*.sql over every date
INSERT INTO core.fact_coverage
SELECT 'mentions', brand_id, platform, subject_id, is_competitor, count(*)
FROM core.mentions_daily
GROUP BY ALL;
INSERT INTO core.fact_coverage
SELECT fact, brand_id, platform, NULL, NULL, days
FROM (
    SELECT brand_id, platform,
           count(*) FILTER (WHERE conversions IS NOT NULL) AS ad_conversions,
           count(*) FILTER (WHERE spend IS NOT NULL) AS ad_spend
    FROM core.ads_daily
    GROUP BY ALL
) UNPIVOT (days FOR fact IN (ad_conversions, ad_spend))
WHERE days > 0;
INSERT INTO core.fact_coverage
SELECT 'web_revenue', brand_id, platform, NULL, NULL, count(*)
FROM core.web_daily
WHERE revenue IS NOT NULL
GROUP BY ALL;
