-- core.mentions_daily for [$start, $end]: the latest count per subject, platform and day, placed
-- under the brand it counts towards ($subjects: the brand itself and each of its competitors).
WITH picked AS (
    SELECT date, subject_id, social_platform, mentions
    FROM raw.mentions_daily_values
    WHERE date BETWEEN $start AND $end
    QUALIFY row_number() OVER (
        PARTITION BY subject_id, social_platform, date
        ORDER BY (source = 'api') DESC, source_rank DESC, source_key DESC) = 1
)
SELECT p.date, s.brand_id, p.subject_id, p.social_platform AS platform, s.is_competitor, p.mentions
FROM picked AS p
JOIN mention_subjects AS s USING (subject_id)
