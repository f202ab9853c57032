-- Paid media, web analytics, mentions, reviews and surveys: raw landing and core tables.

CREATE TABLE raw.ads_daily_values (
    source VARCHAR NOT NULL, source_key VARCHAR NOT NULL, source_rank TIMESTAMP NOT NULL,
    platform VARCHAR NOT NULL, account_id VARCHAR NOT NULL,
    date DATE NOT NULL, campaign_id VARCHAR NOT NULL, campaign_name VARCHAR, currency VARCHAR,
    metric VARCHAR NOT NULL, source_metric VARCHAR NOT NULL, value DOUBLE
);
COMMENT ON TABLE raw.ads_daily_values IS 'Paid-media campaign figures per day as each source reported them, long format.';
COMMENT ON COLUMN raw.ads_daily_values.source IS 'export | api.';
COMMENT ON COLUMN raw.ads_daily_values.source_key IS 'File hash (export) or pull key (api).';
COMMENT ON COLUMN raw.ads_daily_values.source_rank IS 'Export date or fetch time; the latest wins.';
COMMENT ON COLUMN raw.ads_daily_values.platform IS 'Connector (meta_ads).';
COMMENT ON COLUMN raw.ads_daily_values.account_id IS 'Ad account id.';
COMMENT ON COLUMN raw.ads_daily_values.date IS 'Reporting date.';
COMMENT ON COLUMN raw.ads_daily_values.campaign_id IS 'Campaign id (the campaign name where the export has no id).';
COMMENT ON COLUMN raw.ads_daily_values.campaign_name IS 'Campaign name.';
COMMENT ON COLUMN raw.ads_daily_values.currency IS 'ISO currency of spend.';
COMMENT ON COLUMN raw.ads_daily_values.metric IS 'spend | impressions | reach | clicks | conversions.';
COMMENT ON COLUMN raw.ads_daily_values.source_metric IS 'Platform field or export header.';
COMMENT ON COLUMN raw.ads_daily_values.value IS 'Value; NULL for placeholders.';

CREATE TABLE raw.web_daily_values (
    source VARCHAR NOT NULL, source_key VARCHAR NOT NULL, source_rank TIMESTAMP NOT NULL,
    platform VARCHAR NOT NULL, account_id VARCHAR NOT NULL,
    date DATE NOT NULL, social_platform VARCHAR NOT NULL,
    metric VARCHAR NOT NULL, source_metric VARCHAR NOT NULL, value DOUBLE
);
COMMENT ON TABLE raw.web_daily_values IS 'Web analytics of sessions from social platforms per day as each source reported them, long format.';
COMMENT ON COLUMN raw.web_daily_values.source IS 'export | api.';
COMMENT ON COLUMN raw.web_daily_values.source_key IS 'File hash (export) or pull key (api).';
COMMENT ON COLUMN raw.web_daily_values.source_rank IS 'Export date or fetch time; the latest wins.';
COMMENT ON COLUMN raw.web_daily_values.platform IS 'Connector (ga4).';
COMMENT ON COLUMN raw.web_daily_values.account_id IS 'Web property id.';
COMMENT ON COLUMN raw.web_daily_values.date IS 'Reporting date.';
COMMENT ON COLUMN raw.web_daily_values.social_platform IS 'Social platform the sessions came from.';
COMMENT ON COLUMN raw.web_daily_values.metric IS 'sessions | bounced_sessions | conversions | revenue.';
COMMENT ON COLUMN raw.web_daily_values.source_metric IS 'Platform field or export header.';
COMMENT ON COLUMN raw.web_daily_values.value IS 'Value; NULL for placeholders.';

CREATE TABLE raw.mentions_daily_values (
    source VARCHAR NOT NULL, source_key VARCHAR NOT NULL, source_rank TIMESTAMP NOT NULL,
    platform VARCHAR NOT NULL, account_id VARCHAR NOT NULL,
    date DATE NOT NULL, subject_id VARCHAR NOT NULL, social_platform VARCHAR NOT NULL, mentions DOUBLE
);
COMMENT ON TABLE raw.mentions_daily_values IS 'Mention counts of brands and competitors per day as each source reported them.';
COMMENT ON COLUMN raw.mentions_daily_values.source IS 'export | api.';
COMMENT ON COLUMN raw.mentions_daily_values.source_key IS 'File hash (export) or pull key (api).';
COMMENT ON COLUMN raw.mentions_daily_values.source_rank IS 'Export date or fetch time; the latest wins.';
COMMENT ON COLUMN raw.mentions_daily_values.platform IS 'Connector (mentions, x).';
COMMENT ON COLUMN raw.mentions_daily_values.account_id IS 'Account of the connector (listening tool workspace, X account).';
COMMENT ON COLUMN raw.mentions_daily_values.date IS 'Reporting date.';
COMMENT ON COLUMN raw.mentions_daily_values.subject_id IS 'Brand or competitor id from the config.';
COMMENT ON COLUMN raw.mentions_daily_values.social_platform IS 'Platform the mentions were counted on.';
COMMENT ON COLUMN raw.mentions_daily_values.mentions IS 'Mentions that day.';

CREATE TABLE raw.review_records (
    source VARCHAR NOT NULL, source_key VARCHAR NOT NULL, source_rank TIMESTAMP NOT NULL,
    platform VARCHAR NOT NULL, account_id VARCHAR NOT NULL,
    review_id VARCHAR NOT NULL, location_id VARCHAR, created_at TIMESTAMP, rating DOUBLE, comment VARCHAR
);
COMMENT ON TABLE raw.review_records IS 'Reviews as each source reported them.';
COMMENT ON COLUMN raw.review_records.source IS 'export | api.';
COMMENT ON COLUMN raw.review_records.source_key IS 'File hash (export) or pull key (api).';
COMMENT ON COLUMN raw.review_records.source_rank IS 'Export date or fetch time; the latest wins.';
COMMENT ON COLUMN raw.review_records.platform IS 'Connector (google_business).';
COMMENT ON COLUMN raw.review_records.account_id IS 'Business account id.';
COMMENT ON COLUMN raw.review_records.review_id IS 'Review id.';
COMMENT ON COLUMN raw.review_records.location_id IS 'Location reviewed.';
COMMENT ON COLUMN raw.review_records.created_at IS 'When the review was written (UTC).';
COMMENT ON COLUMN raw.review_records.rating IS 'Star rating 1-5.';
COMMENT ON COLUMN raw.review_records.comment IS 'Review text.';

CREATE TABLE raw.survey_response_records (
    source VARCHAR NOT NULL, source_key VARCHAR NOT NULL, source_rank TIMESTAMP NOT NULL,
    platform VARCHAR NOT NULL, account_id VARCHAR NOT NULL,
    survey_id VARCHAR NOT NULL, response_id VARCHAR NOT NULL, responded_at TIMESTAMP,
    kind VARCHAR NOT NULL, score DOUBLE, scale_max DOUBLE NOT NULL
);
COMMENT ON TABLE raw.survey_response_records IS 'Survey responses as each source reported them.';
COMMENT ON COLUMN raw.survey_response_records.source IS 'export | api.';
COMMENT ON COLUMN raw.survey_response_records.source_key IS 'File hash (export) or pull key (api).';
COMMENT ON COLUMN raw.survey_response_records.source_rank IS 'Export date or fetch time; the latest wins.';
COMMENT ON COLUMN raw.survey_response_records.platform IS 'Connector (surveys).';
COMMENT ON COLUMN raw.survey_response_records.account_id IS 'Survey account (folder) id; the brand comes from its core.accounts row.';
COMMENT ON COLUMN raw.survey_response_records.survey_id IS 'Survey id.';
COMMENT ON COLUMN raw.survey_response_records.response_id IS 'Response id.';
COMMENT ON COLUMN raw.survey_response_records.responded_at IS 'When the response was given (UTC).';
COMMENT ON COLUMN raw.survey_response_records.kind IS 'csat | nps.';
COMMENT ON COLUMN raw.survey_response_records.score IS 'Score given.';
COMMENT ON COLUMN raw.survey_response_records.scale_max IS 'Top of the scale (5 for CSAT 1-5, 10 for NPS).';
