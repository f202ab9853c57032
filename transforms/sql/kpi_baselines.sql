-- kpi.baselines for [$start, $end]: each kpi.daily value against its own recent history.
-- The trailing window is the 28 days before the day (the day itself excluded); the same-weekday
-- median takes the same weekday of the 8 weeks before. NULL values are not observations.
-- kpi.daily is read from 56 days before $start, the longest look-back.
WITH history AS (
    SELECT date, brand_id, platform, account_id, kpi, value
    FROM kpi.daily
    WHERE date BETWEEN CAST($start AS DATE) - 56 AND $end
),
windowed AS (
    SELECT
        date, brand_id, platform, account_id, kpi, value,
        median(value) OVER last_28_days AS median_28d,
        avg(value) OVER last_28_days AS mean_28d,
        quantile_cont(value, 0.1) OVER last_28_days AS p10_28d,
        quantile_cont(value, 0.9) OVER last_28_days AS p90_28d,
        stddev_samp(value) OVER last_28_days AS stddev_28d,
        mad(value) OVER last_28_days AS mad_28d,
        count(value) OVER last_28_days AS n_obs,
        median(value) OVER same_weekday AS weekday_median_8w
    FROM history
    WINDOW
        last_28_days AS (PARTITION BY brand_id, platform, account_id, kpi ORDER BY date
                         RANGE BETWEEN INTERVAL 28 DAYS PRECEDING AND INTERVAL 1 DAY PRECEDING),
        same_weekday AS (PARTITION BY brand_id, platform, account_id, kpi, isodow(date) ORDER BY date
                         RANGE BETWEEN INTERVAL 56 DAYS PRECEDING AND INTERVAL 7 DAYS PRECEDING)
),
scored AS (
    SELECT
        *,
        CASE WHEN value IS NULL OR mad_28d IS NULL OR mad_28d = 0 THEN NULL
             ELSE (value - median_28d) / (1.4826 * mad_28d) END AS robust_z,
        CASE WHEN value IS NULL OR median_28d IS NULL OR median_28d = 0 THEN NULL
             ELSE (value - median_28d) / abs(median_28d) * 100 END AS pct_vs_baseline
    FROM windowed
    WHERE date BETWEEN $start AND $end
)
SELECT
    *,
    coalesce(abs(robust_z) > $anomaly_z AND n_obs >= $anomaly_min_obs, false) AS is_anomaly
FROM scored
