-- Progress of the config's targets (transforms/sql/kpi_target_progress.sql).
CREATE TABLE kpi.target_progress (
    date DATE NOT NULL,
    target_id VARCHAR NOT NULL,
    kpi VARCHAR NOT NULL,
    scope VARCHAR NOT NULL,
    brand_id VARCHAR NOT NULL,
    platform VARCHAR NOT NULL,
    account_id VARCHAR NOT NULL,
    direction VARCHAR NOT NULL,
    start_date DATE NOT NULL,
    start_value DOUBLE,
    current_value DOUBLE,
    target_value DOUBLE NOT NULL,
    due_date DATE NOT NULL,
    expected_value_today DOUBLE,
    pct_achieved DOUBLE,
    projected_value_at_due DOUBLE,
    trend_observations BIGINT NOT NULL,
    status VARCHAR
);
COMMENT ON TABLE kpi.target_progress IS 'Progress of each config target per day [date, target_id], for the days from its start to its due date. Targets are levels of the daily KPI value at their scope (kpi.daily row).';
COMMENT ON COLUMN kpi.target_progress.date IS 'Reporting date.';
COMMENT ON COLUMN kpi.target_progress.target_id IS 'Target id from the config.';
COMMENT ON COLUMN kpi.target_progress.kpi IS 'KPI the target is set on (see kpi.catalogue).';
COMMENT ON COLUMN kpi.target_progress.scope IS 'brand_id/platform/account_id of the kpi.daily series (''all'' for rollups).';
COMMENT ON COLUMN kpi.target_progress.brand_id IS 'Brand of the scope.';
COMMENT ON COLUMN kpi.target_progress.platform IS 'Platform of the scope, or ''all''.';
COMMENT ON COLUMN kpi.target_progress.account_id IS 'Account of the scope, or ''all''.';
COMMENT ON COLUMN kpi.target_progress.direction IS 'increase | decrease: from the config, else from kpi.catalogue.higher_is_better.';
COMMENT ON COLUMN kpi.target_progress.start_date IS 'Start of the target period (config start).';
COMMENT ON COLUMN kpi.target_progress.start_value IS 'First known value on or after start_date; NULL on days before it.';
COMMENT ON COLUMN kpi.target_progress.current_value IS 'The KPI value that day; NULL if unknown (no carrying forward).';
COMMENT ON COLUMN kpi.target_progress.target_value IS 'Value to reach by due_date (config target).';
COMMENT ON COLUMN kpi.target_progress.due_date IS 'Date the target is due (config due).';
COMMENT ON COLUMN kpi.target_progress.expected_value_today IS 'Linear path: start_value + (target_value - start_value) x (date - start_date) / (due_date - start_date).';
COMMENT ON COLUMN kpi.target_progress.pct_achieved IS '(current_value - start_value) / (target_value - start_value) x100; NULL when target_value = start_value.';
COMMENT ON COLUMN kpi.target_progress.projected_value_at_due IS 'Least-squares line through the values of the 28 days up to the date, extended to due_date; NULL with fewer than 7 values.';
COMMENT ON COLUMN kpi.target_progress.trend_observations IS 'Known values in the 28 days up to the date that the projection uses.';
COMMENT ON COLUMN kpi.target_progress.status IS 'achieved (current value at or beyond the target in its direction) | on_track (projection reaches the target by due_date) | behind (projection covers >= 80% of the planned change) | off_track (less, or the wrong way); NULL without a projection or start value.';
