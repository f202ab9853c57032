-- kpi.target_progress for [$start, $end]: one row per configured target ($targets) and day of
-- the window inside the target's [start_date, due_date].
--   start_value      the first known value on or after start_date (NULL on days before it)
--   current_value    the value that day (NULL if unknown: no carrying forward)
--   expected_value_today  the linear path from start_value (at start_date) to target_value (at due_date)
--   projected_value_at_due  least-squares line through the values of the 28 days up to the day,
--                    extended to due_date; NULL with fewer than $min_trend_observations values
--   status           achieved: current_value has reached target_value in the target's direction;
--                    on_track: the projection reaches it by due_date;
--                    behind: the projection covers at least $behind_share of the planned change
--                    (target_value - start_value); off_track: less (or the wrong way);
--                    NULL when neither the current value nor a projection says anything.
WITH targets AS (
    SELECT unnest($targets, recursive := true)
),
target_days AS (
    SELECT *, CAST(unnest(generate_series(greatest(start_date, $start), least(due_date, $end), INTERVAL 1 DAY))
                      AS DATE) AS date
    FROM targets
),
series AS (
    SELECT t.target_id, d.date, d.value
    FROM targets AS t
    JOIN kpi.daily AS d
        ON d.kpi = t.kpi AND d.brand_id = t.brand_id AND d.platform = t.platform AND d.account_id = t.account_id
    WHERE d.date BETWEEN least(t.start_date, CAST($start AS DATE) - 27) AND least(t.due_date, $end)
),
first_known AS (
    SELECT s.target_id, arg_min(s.value, s.date) AS start_value, min(s.date) AS start_value_date
    FROM series AS s
    JOIN targets AS t USING (target_id)
    WHERE s.date >= t.start_date AND s.value IS NOT NULL
    GROUP BY s.target_id
),
trend AS (
    SELECT
        k.target_id, k.date,
        regr_count(s.value, datediff('day', k.start_date, s.date)) AS trend_observations,
        -- rounded: parallel aggregation sums in varying order, so the last bits of a regression
        -- differ between runs; six decimals keep re-runs identical and lose nothing a target needs
        round(regr_intercept(s.value, datediff('day', k.start_date, s.date))
              + regr_slope(s.value, datediff('day', k.start_date, s.date)) * datediff('day', k.start_date, k.due_date),
              6) AS projection
    FROM target_days AS k
    JOIN series AS s ON s.target_id = k.target_id AND s.date BETWEEN k.date - 27 AND k.date
    GROUP BY k.target_id, k.date, k.start_date, k.due_date
),
progress AS (
    SELECT
        k.date, k.target_id, k.kpi, k.brand_id, k.platform, k.account_id, k.direction, k.start_date,
        k.target_value, k.due_date,
        CASE WHEN f.start_value_date <= k.date THEN f.start_value END AS start_value,
        c.value AS current_value,
        coalesce(tr.trend_observations, 0) AS trend_observations,
        CASE WHEN tr.trend_observations >= $min_trend_observations THEN tr.projection END
            AS projected_value_at_due,
        datediff('day', k.start_date, k.date) / datediff('day', k.start_date, k.due_date) AS elapsed_share
    FROM target_days AS k
    LEFT JOIN first_known AS f USING (target_id)
    LEFT JOIN series AS c ON c.target_id = k.target_id AND c.date = k.date
    LEFT JOIN trend AS tr ON tr.target_id = k.target_id AND tr.date = k.date
),
judged AS (
    SELECT
        *,
        start_value + (target_value - start_value) * elapsed_share AS expected_value_today,
        CASE WHEN target_value <> start_value
             THEN (current_value - start_value) / (target_value - start_value) * 100 END AS pct_achieved,
        CASE WHEN target_value <> start_value
             THEN (projected_value_at_due - start_value) / (target_value - start_value) END AS projected_share,
        CASE direction WHEN 'increase' THEN current_value >= target_value
                       ELSE current_value <= target_value END AS current_reached,
        CASE direction WHEN 'increase' THEN projected_value_at_due >= target_value
                       ELSE projected_value_at_due <= target_value END AS projection_reaches
    FROM progress
)
SELECT
    date, target_id, kpi, brand_id || '/' || platform || '/' || account_id AS scope, brand_id, platform, account_id,
    direction, start_date, start_value, current_value, target_value, due_date, expected_value_today, pct_achieved,
    projected_value_at_due, trend_observations,
    CASE WHEN current_reached THEN 'achieved'
         WHEN projected_value_at_due IS NULL OR start_value IS NULL THEN NULL
         WHEN projection_reaches THEN 'on_track'
         WHEN projected_share >= $behind_share THEN 'behind'
         ELSE 'off_track' END AS status
FROM judged
