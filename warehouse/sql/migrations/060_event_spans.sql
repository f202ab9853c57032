-- The span of days each brand's reviews and survey responses cover, so a nightly run's review and
-- survey days (kpi_brand_facts.sql) read the window of core.reviews / core.survey_responses and
-- this small table, not their whole history. Rewritten with those tables by the business-fact
-- rebuild (transforms/sql/core_event_spans.sql); filled here from what an existing warehouse holds.

CREATE TABLE core.event_spans (
    events VARCHAR NOT NULL,
    brand_id VARCHAR,
    platform VARCHAR,
    kind VARCHAR,
    first_date DATE NOT NULL,
    last_date DATE NOT NULL
);
COMMENT ON TABLE core.event_spans IS 'First and last day of each brand''s events (any date) [events, brand_id, platform, kind]: reviews per review platform, survey responses per kind; rewritten with core.reviews and core.survey_responses, so the KPIs read it instead of their whole history.';
COMMENT ON COLUMN core.event_spans.events IS 'reviews (core.reviews) | survey_responses (core.survey_responses).';
COMMENT ON COLUMN core.event_spans.brand_id IS 'Brand.';
COMMENT ON COLUMN core.event_spans.platform IS 'reviews: the review platform; NULL for survey responses.';
COMMENT ON COLUMN core.event_spans.kind IS 'survey_responses: csat | nps; NULL for reviews.';
COMMENT ON COLUMN core.event_spans.first_date IS 'Earliest created_date (reviews) or responded_date (survey responses).';
COMMENT ON COLUMN core.event_spans.last_date IS 'Latest created_date (reviews) or responded_date (survey responses).';

-- as transforms/sql/core_event_spans.sql
INSERT INTO core.event_spans
SELECT 'reviews', brand_id, platform, NULL, min(created_date), max(created_date)
FROM core.reviews
WHERE created_date IS NOT NULL
GROUP BY brand_id, platform
UNION ALL
SELECT 'survey_responses', brand_id, NULL, kind, min(responded_date), max(responded_date)
FROM core.survey_responses
WHERE responded_date IS NOT NULL
GROUP BY brand_id, kind;
