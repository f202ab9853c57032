-- Coverage of kpi.daily rows (DESIGN "KPI rows"): how many of a brand's accounts a rollup row
-- stands for, so a figure covering fewer accounts than usual says so.
ALTER TABLE kpi.daily ADD COLUMN accounts_in_scope INTEGER;
ALTER TABLE kpi.daily ADD COLUMN accounts_counted INTEGER;
COMMENT ON COLUMN kpi.daily.accounts_in_scope IS 'Rollup rows (account_id = ''all''): the configured accounts of the brand on that platform (all platforms for platform = ''all'') whose inputs can produce the KPI at all. Account rows: 1 when the account is in the config (it enters rollups), 0 when it was only found in the drop folder. NULL for KPIs of brand facts (web, ads, mentions, reviews, surveys), which have no accounts.';
COMMENT ON COLUMN kpi.daily.accounts_counted IS 'Rollup rows: the accounts whose value (for a rate: both its numerator and its denominator) entered the row. Account rows: 1 when the value (both parts of a rate) is known, else 0. NULL for KPIs of brand facts.';
