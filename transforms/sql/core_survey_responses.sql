-- core.survey_responses: the latest version of every response; responded_date in the account's timezone.
SELECT
    r.survey_id, r.response_id, a.brand_id, r.responded_at,
    CAST(timezone(a.timezone, timezone('UTC', r.responded_at)) AS DATE) AS responded_date,
    r.kind, r.score, r.scale_max
FROM raw.survey_response_records AS r
JOIN core.accounts AS a USING (platform, account_id)
QUALIFY row_number() OVER (
    PARTITION BY r.survey_id, r.response_id
    ORDER BY (r.source = 'api') DESC, r.source_rank DESC, r.source_key DESC) = 1
-- in date order, as replace_window writes: a one-day run's read of the day skips the other row groups
ORDER BY responded_date
