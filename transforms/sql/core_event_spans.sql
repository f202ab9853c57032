-- core.event_spans: the first and last day of each brand's reviews per review platform and of its
-- survey responses per kind, rewritten with core.reviews and core.survey_responses (in the same
-- transaction), so the KPIs' event days (kpi_brand_facts.sql) need not read the whole history.
SELECT 'reviews' AS events, brand_id, platform, NULL::VARCHAR AS kind,
       min(created_date) AS first_date, max(created_date) AS last_date
FROM core.reviews
WHERE created_date IS NOT NULL
GROUP BY brand_id, platform
UNION ALL
SELECT 'survey_responses' AS events, brand_id, NULL::VARCHAR AS platform, kind,
       min(responded_date) AS first_date, max(responded_date) AS last_date
FROM core.survey_responses
WHERE responded_date IS NOT NULL
GROUP BY brand_id, kind
