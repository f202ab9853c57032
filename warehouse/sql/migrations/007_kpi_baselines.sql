-- Each daily KPI value against its own recent history (transforms/sql/kpi_baselines.sql).
CREATE TABLE kpi.baselines (
    date DATE NOT NULL,
    brand_id VARCHAR NOT NULL,
    platform VARCHAR NOT NULL,
    account_id VARCHAR NOT NULL,
    kpi VARCHAR NOT NULL,
    value DOUBLE,
    median_28d DOUBLE,
    mean_28d DOUBLE,
    p10_28d DOUBLE,
    p90_28d DOUBLE,
    stddev_28d DOUBLE,
    mad_28d DOUBLE,
    n_obs BIGINT NOT NULL,
    weekday_median_8w DOUBLE,
    robust_z DOUBLE,
    pct_vs_baseline DOUBLE,
    is_anomaly BOOLEAN NOT NULL
);
COMMENT ON TABLE kpi.baselines IS 'Each kpi.daily value against its trailing baseline [date, brand_id, platform, account_id, kpi]. The trailing window is the 28 days before the date (the date itself excluded); NULL values are not observations.';
COMMENT ON COLUMN kpi.baselines.date IS 'Reporting date.';
COMMENT ON COLUMN kpi.baselines.brand_id IS 'Brand (or competitor) id.';
COMMENT ON COLUMN kpi.baselines.platform IS 'Platform, or ''all'' for the brand rollup.';
COMMENT ON COLUMN kpi.baselines.account_id IS 'Account id, or ''all'' for rollups.';
COMMENT ON COLUMN kpi.baselines.kpi IS 'KPI name (see kpi.catalogue).';
COMMENT ON COLUMN kpi.baselines.value IS 'The day''s value (kpi.daily.value).';
COMMENT ON COLUMN kpi.baselines.median_28d IS 'Median of the values of the 28 days before the date.';
COMMENT ON COLUMN kpi.baselines.mean_28d IS 'Mean of the values of the 28 days before the date.';
COMMENT ON COLUMN kpi.baselines.p10_28d IS '10th percentile (linear interpolation) of the 28 days before the date.';
COMMENT ON COLUMN kpi.baselines.p90_28d IS '90th percentile (linear interpolation) of the 28 days before the date.';
COMMENT ON COLUMN kpi.baselines.stddev_28d IS 'Sample standard deviation of the 28 days before the date.';
COMMENT ON COLUMN kpi.baselines.mad_28d IS 'Median absolute deviation from median_28d (unscaled) of the 28 days before the date.';
COMMENT ON COLUMN kpi.baselines.n_obs IS 'Number of known values in the 28 days before the date.';
COMMENT ON COLUMN kpi.baselines.weekday_median_8w IS 'Median of the values on the same weekday in the 8 weeks before the date (7, 14, ... 56 days before).';
COMMENT ON COLUMN kpi.baselines.robust_z IS '(value - median_28d) / (1.4826 x mad_28d); NULL when the MAD is 0 or unknown.';
COMMENT ON COLUMN kpi.baselines.pct_vs_baseline IS '(value - median_28d) / |median_28d| x100; NULL when the median is 0 or unknown.';
COMMENT ON COLUMN kpi.baselines.is_anomaly IS 'True when |robust_z| > 3.5 with n_obs >= 14.';
