-- Canonical paid-media, web analytics, mentions, reviews and survey facts.

CREATE TABLE core.ads_daily (
    platform VARCHAR NOT NULL, account_id VARCHAR NOT NULL, campaign_id VARCHAR NOT NULL, date DATE NOT NULL,
    brand_id VARCHAR NOT NULL, campaign_name VARCHAR, currency VARCHAR,
    spend DOUBLE, impressions DOUBLE, reach DOUBLE, clicks DOUBLE, conversions DOUBLE
);
COMMENT ON TABLE core.ads_daily IS 'Paid media per campaign and day [platform, account_id, campaign_id, date]; the latest source wins per metric.';
COMMENT ON COLUMN core.ads_daily.platform IS 'Ads connector (meta_ads).';
COMMENT ON COLUMN core.ads_daily.account_id IS 'Ad account id.';
COMMENT ON COLUMN core.ads_daily.campaign_id IS 'Campaign id (the name where the export has no id).';
COMMENT ON COLUMN core.ads_daily.date IS 'Reporting date.';
COMMENT ON COLUMN core.ads_daily.brand_id IS 'Brand of the ad account (core.accounts).';
COMMENT ON COLUMN core.ads_daily.campaign_name IS 'Campaign name.';
COMMENT ON COLUMN core.ads_daily.currency IS 'ISO currency of spend, as the platform reports it.';
COMMENT ON COLUMN core.ads_daily.spend IS 'Amount spent, in currency.';
COMMENT ON COLUMN core.ads_daily.impressions IS 'Paid impressions.';
COMMENT ON COLUMN core.ads_daily.reach IS 'Unique accounts reached by the campaign that day.';
COMMENT ON COLUMN core.ads_daily.clicks IS 'Link clicks.';
COMMENT ON COLUMN core.ads_daily.conversions IS 'Results of conversion objectives (NULL for traffic or awareness results).';

CREATE TABLE core.web_daily (
    date DATE NOT NULL, platform VARCHAR NOT NULL, brand_id VARCHAR NOT NULL, account_id VARCHAR NOT NULL,
    sessions DOUBLE, bounced_sessions DOUBLE, conversions DOUBLE, revenue DOUBLE
);
COMMENT ON TABLE core.web_daily IS 'Web analytics of sessions from one social platform per day [date, platform, brand_id, account_id]; brand and web property are added to the design''s [date, platform] so several sites can coexist.';
COMMENT ON COLUMN core.web_daily.date IS 'Reporting date.';
COMMENT ON COLUMN core.web_daily.platform IS 'Social platform the sessions came from.';
COMMENT ON COLUMN core.web_daily.brand_id IS 'Brand of the web property.';
COMMENT ON COLUMN core.web_daily.account_id IS 'Web property (GA4) id.';
COMMENT ON COLUMN core.web_daily.sessions IS 'Sessions.';
COMMENT ON COLUMN core.web_daily.bounced_sessions IS 'Sessions that were not engaged (GA4: sessions - engaged sessions).';
COMMENT ON COLUMN core.web_daily.conversions IS 'Key events (conversions).';
COMMENT ON COLUMN core.web_daily.revenue IS 'Revenue.';

CREATE TABLE core.mentions_daily (
    date DATE NOT NULL, brand_id VARCHAR NOT NULL, subject_id VARCHAR NOT NULL, platform VARCHAR NOT NULL,
    is_competitor BOOLEAN NOT NULL, mentions DOUBLE
);
COMMENT ON TABLE core.mentions_daily IS 'Mentions per day [date, brand_id, subject_id, platform]: subject_id is the brand itself or one of its competitors.';
COMMENT ON COLUMN core.mentions_daily.date IS 'Reporting date.';
COMMENT ON COLUMN core.mentions_daily.brand_id IS 'Brand whose share of voice the row counts towards.';
COMMENT ON COLUMN core.mentions_daily.subject_id IS 'Brand or competitor mentioned.';
COMMENT ON COLUMN core.mentions_daily.platform IS 'Platform the mentions were counted on.';
COMMENT ON COLUMN core.mentions_daily.is_competitor IS 'True when subject_id is a competitor of brand_id.';
COMMENT ON COLUMN core.mentions_daily.mentions IS 'Mentions that day.';

CREATE TABLE core.reviews (
    platform VARCHAR NOT NULL, review_id VARCHAR NOT NULL, location_id VARCHAR, brand_id VARCHAR NOT NULL,
    created_at TIMESTAMP, created_date DATE, rating DOUBLE, comment VARCHAR
);
COMMENT ON TABLE core.reviews IS 'Reviews [platform, review_id], latest version from any source.';
COMMENT ON COLUMN core.reviews.platform IS 'Review platform (google_business).';
COMMENT ON COLUMN core.reviews.review_id IS 'Review id.';
COMMENT ON COLUMN core.reviews.location_id IS 'Location reviewed.';
COMMENT ON COLUMN core.reviews.brand_id IS 'Brand of the business account.';
COMMENT ON COLUMN core.reviews.created_at IS 'When the review was written (UTC).';
COMMENT ON COLUMN core.reviews.created_date IS 'Date written, in the account''s timezone.';
COMMENT ON COLUMN core.reviews.rating IS 'Star rating 1-5.';
COMMENT ON COLUMN core.reviews.comment IS 'Review text.';

CREATE TABLE core.survey_responses (
    survey_id VARCHAR NOT NULL, response_id VARCHAR NOT NULL, brand_id VARCHAR NOT NULL,
    responded_at TIMESTAMP, responded_date DATE, kind VARCHAR NOT NULL, score DOUBLE, scale_max DOUBLE NOT NULL
);
COMMENT ON TABLE core.survey_responses IS 'Survey responses [survey_id, response_id], latest version from any source.';
COMMENT ON COLUMN core.survey_responses.survey_id IS 'Survey id.';
COMMENT ON COLUMN core.survey_responses.response_id IS 'Response id.';
COMMENT ON COLUMN core.survey_responses.brand_id IS 'Brand of the survey account.';
COMMENT ON COLUMN core.survey_responses.responded_at IS 'When the response was given (UTC).';
COMMENT ON COLUMN core.survey_responses.responded_date IS 'Date responded, in the account''s timezone.';
COMMENT ON COLUMN core.survey_responses.kind IS 'csat | nps.';
COMMENT ON COLUMN core.survey_responses.score IS 'Score given.';
COMMENT ON COLUMN core.survey_responses.scale_max IS 'Top of the scale (5 for CSAT 1-5, 10 for NPS).';
