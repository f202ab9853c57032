-- kpi.catalogue says at which level each KPI is computed and how periods re-aggregate it, so
-- the kpi.weekly / kpi.monthly views (006) follow the catalogue of transforms/catalogue.py.
ALTER TABLE kpi.catalogue ADD COLUMN level VARCHAR;
ALTER TABLE kpi.catalogue ADD COLUMN scale DOUBLE;
ALTER TABLE kpi.catalogue ADD COLUMN period_rule VARCHAR;
COMMENT ON COLUMN kpi.catalogue.level IS 'account (per account, rolled up to account_id = ''all'') | brand_platform (brand facts per platform, account_id = ''all'') | brand (brand facts across platforms only: platform = ''all'').';
COMMENT ON COLUMN kpi.catalogue.scale IS 'value = numerator / denominator x scale for rates (100 for percentages, 1000 for cpm, 1 for ratios).';
COMMENT ON COLUMN kpi.catalogue.period_rule IS 'How kpi.weekly and kpi.monthly re-aggregate the daily rows: sum | end (last day of the period) | ratio (summed numerators / summed denominators of the days with both) | start_ratio (summed numerators / denominator of the period''s first day = followers at period start) | retention (followers at period start - followers lost) / followers at period start | none (NULL: no period reach).';
