-- kpi.weekly and kpi.monthly again, from the period rule of transforms/sql/kpi_periods.sql.j2 as it
-- is now: post-level KPIs (engagement_rate_per_post) have days_counted NULL, since they have a row
-- only on publication days and a day without a post is not a missing day. The SELECTs are
-- transforms/kpis.py period_sql('week') and period_sql('month') verbatim
-- (tests/transforms/test_kpi_periods.py checks the newest migration that creates the views).
DROP VIEW kpi.weekly;
DROP VIEW kpi.monthly;

CREATE VIEW kpi.weekly AS
-- Period values re-aggregated from kpi.daily by kpi.catalogue.period_rule: counts summed over the
-- days with a value; rates as summed daily numerators / summed daily denominators over the rows
-- (days x accounts) where both are known (and the denominator is not 0); cumulative follower rates over the followers at the
-- period's start; level KPIs at the period's last day with data. Rollup rows of account KPIs take
-- the cumulative rates from their accounts' period values (a numerator only with its denominator),
-- count the accounts that entered the period (accounts_counted) and the days on which all of them
-- were counted (days_counted; for followers and potential_reach: the days with a value; NULL for
-- post-level KPIs, which have a row only on publication days: a day without a post is not missing).
WITH days AS (
    SELECT
        d.*, c.period_rule, c.scale, c.level,
        CAST(date_trunc('week', d.date) AS DATE) AS period_start,
        CAST(date_trunc('week', d.date) AS DATE) + 6 AS period_end,
        -- a rate's row counts when both parts are known (and, for a ratio, the day has a value:
        -- a zero denominator gives no rate), so the period value is a weighted mean of daily values
        CASE WHEN c.period_rule = 'ratio' THEN d.numerator IS NOT NULL AND d.denominator IS NOT NULL
                                               AND d.denominator <> 0
             WHEN c.period_rule = 'retention' THEN d.numerator IS NOT NULL AND d.denominator IS NOT NULL
             ELSE d.numerator IS NOT NULL END AS counted
    FROM kpi.daily AS d
    JOIN kpi.catalogue AS c USING (kpi)
),
series AS (
    SELECT
        period_start, period_end, brand_id, platform, account_id, kpi, period_rule, scale, level,
        count(*) FILTER (WHERE counted) AS days_counted,
        sum(numerator) FILTER (WHERE counted) AS counted_numerator,
        sum(denominator) FILTER (WHERE counted) AS counted_denominator,
        -- followers at the end of the day before the period: the first day's denominator
        max(denominator) FILTER (WHERE date = period_start) AS start_denominator,
        -- follower_retention_rate: a day's denominator - numerator is the followers lost that day
        sum(denominator - numerator) FILTER (WHERE counted) AS lost,
        arg_max(value, date) FILTER (WHERE value IS NOT NULL) AS last_value,
        arg_max(accounts_counted, date) FILTER (WHERE value IS NOT NULL) AS last_accounts_counted,
        max(accounts_in_scope) AS accounts_in_scope,
        max(accounts_counted) AS any_counted
    FROM days
    GROUP BY period_start, period_end, brand_id, platform, account_id, kpi, period_rule, scale, level
),
ruled AS (
    SELECT
        *,
        CASE period_rule
            WHEN 'sum' THEN counted_numerator
            WHEN 'end' THEN last_value
            WHEN 'ratio' THEN counted_numerator
            WHEN 'start_ratio' THEN counted_numerator
            WHEN 'retention' THEN start_denominator - lost
        END AS period_numerator,
        CASE period_rule
            WHEN 'ratio' THEN counted_denominator
            WHEN 'start_ratio' THEN start_denominator
            WHEN 'retention' THEN start_denominator
        END AS period_denominator
    FROM series
),
-- account series in the config: what each contributes to its rollups
accounts AS (
    SELECT
        *,
        CASE WHEN period_rule IN ('start_ratio', 'retention')
             THEN period_numerator IS NOT NULL AND period_denominator IS NOT NULL
             ELSE days_counted > 0 END AS entered
    FROM ruled
    WHERE account_id <> 'all' AND accounts_in_scope = 1
),
account_totals AS (
    SELECT
        period_start, brand_id, coalesce(platform, 'all') AS platform, kpi,
        CAST(count(*) FILTER (WHERE entered) AS INTEGER) AS accounts_entered,
        sum(period_numerator) FILTER (WHERE entered) AS accounts_numerator,
        sum(period_denominator) FILTER (WHERE entered) AS accounts_denominator
    FROM accounts
    GROUP BY GROUPING SETS ((period_start, brand_id, platform, kpi), (period_start, brand_id, kpi))
),
-- days of a rollup on which every account that entered its period was counted: a rollup whose
-- account stopped mid-period has fewer, so its figure shows as partial
complete_days AS (
    SELECT d.period_start, d.brand_id, d.platform, d.kpi, count(*) AS days_complete
    FROM days AS d
    JOIN account_totals AS t USING (period_start, brand_id, platform, kpi)
    WHERE d.account_id = 'all' AND d.level IN ('account', 'post') AND d.counted
      AND d.accounts_counted >= t.accounts_entered
    GROUP BY d.period_start, d.brand_id, d.platform, d.kpi
),
combined AS (
    -- accounts, and brand-fact KPIs (web, ads, mentions, reviews, surveys: no accounts)
    SELECT
        period_start, period_end, brand_id, platform, account_id, kpi, period_rule, scale, level, period_numerator AS numerator, period_denominator AS denominator, days_counted,
        accounts_in_scope,
        CASE WHEN account_id <> 'all' THEN CASE WHEN period_rule IN ('start_ratio', 'retention')
                  THEN CAST(period_numerator IS NOT NULL AND period_denominator IS NOT NULL AS INTEGER)
                  ELSE CAST(days_counted > 0 AS INTEGER) END END AS accounts_counted
    FROM ruled
    WHERE account_id <> 'all' OR level NOT IN ('account', 'post')
    UNION ALL
    -- rollups of account KPIs
    SELECT
        r.period_start, r.period_end, r.brand_id, r.platform, r.account_id, r.kpi, r.period_rule, r.scale, r.level,
        CASE WHEN r.period_rule IN ('start_ratio', 'retention') THEN t.accounts_numerator
             ELSE r.period_numerator END,
        CASE WHEN r.period_rule IN ('start_ratio', 'retention') THEN t.accounts_denominator
             ELSE r.period_denominator END,
        CASE WHEN r.period_rule = 'end' THEN r.days_counted ELSE coalesce(c.days_complete, 0) END,
        r.accounts_in_scope,
        CASE WHEN r.period_rule = 'end' THEN r.last_accounts_counted ELSE coalesce(t.accounts_entered, 0) END
    FROM ruled AS r
    LEFT JOIN account_totals AS t USING (period_start, brand_id, platform, kpi)
    LEFT JOIN complete_days AS c USING (period_start, brand_id, platform, kpi)
    WHERE r.account_id = 'all' AND r.level IN ('account', 'post')
)
SELECT
    period_start AS week_start,
    period_end AS week_end,
    CAST(isoyear(period_start) AS INTEGER) AS iso_year,
    CAST(week(period_start) AS INTEGER) AS iso_week,
    brand_id, platform, account_id, kpi,
    CASE WHEN period_rule = 'none' THEN NULL
         WHEN period_rule IN ('sum', 'end') THEN numerator
         WHEN numerator IS NULL OR denominator IS NULL OR denominator = 0 THEN NULL
         ELSE numerator / denominator * scale END AS value,
    CASE WHEN period_rule <> 'none' THEN numerator END AS numerator,
    CASE WHEN period_rule <> 'none' THEN denominator END AS denominator,
    CAST(period_end - period_start + 1 AS INTEGER) AS days_in_period,
    CASE WHEN level <> 'post' THEN CAST(days_counted AS INTEGER) END AS days_counted,
    accounts_in_scope,
    accounts_counted
FROM combined;
COMMENT ON VIEW kpi.weekly IS 'KPIs per ISO week (Monday to Sunday) [week_start, brand_id, platform, account_id, kpi], re-aggregated from kpi.daily by kpi.catalogue.period_rule (one rule for every period, transforms/sql/kpi_periods.sql.j2): counts summed; a rate is its summed daily numerators / summed daily denominators over the rows (days x accounts) where both are known, so follower-based rates stay on the daily scale (the follower-weighted mean of the daily rates); audience_growth_rate, follower_churn_rate and follower_retention_rate are cumulative over the followers at the period start; followers and potential_reach take the last day with data; reach is NULL. Coverage: days_counted of days_in_period, accounts_counted of accounts_in_scope.';
COMMENT ON COLUMN kpi.weekly.week_start IS 'First day of the week (Monday).';
COMMENT ON COLUMN kpi.weekly.week_end IS 'Last day of the week (Sunday).';
COMMENT ON COLUMN kpi.weekly.iso_year IS 'ISO year of the week.';
COMMENT ON COLUMN kpi.weekly.iso_week IS 'ISO week number (1-53).';
COMMENT ON COLUMN kpi.weekly.brand_id IS 'Brand (or competitor) id.';
COMMENT ON COLUMN kpi.weekly.platform IS 'Platform, or ''all'' for the brand rollup.';
COMMENT ON COLUMN kpi.weekly.account_id IS 'Account id, or ''all'' for rollups.';
COMMENT ON COLUMN kpi.weekly.kpi IS 'KPI name (see kpi.catalogue).';
COMMENT ON COLUMN kpi.weekly.value IS 'KPI value for the week by kpi.catalogue.period_rule; NULL when the numerator or denominator is unknown or the denominator is zero, and for reach (unique reach cannot be summed from days).';
COMMENT ON COLUMN kpi.weekly.numerator IS 'Numerator for the week (the value for counts and level KPIs): summed over the rows where it (and for a rate its denominator) is known.';
COMMENT ON COLUMN kpi.weekly.denominator IS 'Denominator for the week; NULL for counts. Follower-based rates: follower-days (summed daily followers at the start of each day), except the cumulative audience_growth_rate, follower_churn_rate and follower_retention_rate: followers at the start of the week.';
COMMENT ON COLUMN kpi.weekly.days_in_period IS 'Days in the week.';
COMMENT ON COLUMN kpi.weekly.days_counted IS 'Days of the week whose value (both parts of a rate) entered the figure; for rollups, the days on which every account that entered the week was counted (followers, potential_reach: days with a value). Fewer than days_in_period: a partial figure. NULL for post-level KPIs (a row only on publication days: a day without a post is not missing).';
COMMENT ON COLUMN kpi.weekly.accounts_in_scope IS 'Rollup rows: the configured accounts whose inputs can produce the KPI at all (as kpi.daily). Account rows: 1 in the config, 0 found in the drop folder only. NULL for brand-fact KPIs.';
COMMENT ON COLUMN kpi.weekly.accounts_counted IS 'Rollup rows: the accounts that entered the figure (for followers and potential_reach: on the last day with data; for the cumulative follower rates: those with followers at the period start). Fewer than accounts_in_scope: a partial figure. NULL for brand-fact KPIs.';

CREATE VIEW kpi.monthly AS
-- Period values re-aggregated from kpi.daily by kpi.catalogue.period_rule: counts summed over the
-- days with a value; rates as summed daily numerators / summed daily denominators over the rows
-- (days x accounts) where both are known (and the denominator is not 0); cumulative follower rates over the followers at the
-- period's start; level KPIs at the period's last day with data. Rollup rows of account KPIs take
-- the cumulative rates from their accounts' period values (a numerator only with its denominator),
-- count the accounts that entered the period (accounts_counted) and the days on which all of them
-- were counted (days_counted; for followers and potential_reach: the days with a value; NULL for
-- post-level KPIs, which have a row only on publication days: a day without a post is not missing).
WITH days AS (
    SELECT
        d.*, c.period_rule, c.scale, c.level,
        CAST(date_trunc('month', d.date) AS DATE) AS period_start,
        last_day(d.date) AS period_end,
        -- a rate's row counts when both parts are known (and, for a ratio, the day has a value:
        -- a zero denominator gives no rate), so the period value is a weighted mean of daily values
        CASE WHEN c.period_rule = 'ratio' THEN d.numerator IS NOT NULL AND d.denominator IS NOT NULL
                                               AND d.denominator <> 0
             WHEN c.period_rule = 'retention' THEN d.numerator IS NOT NULL AND d.denominator IS NOT NULL
             ELSE d.numerator IS NOT NULL END AS counted
    FROM kpi.daily AS d
    JOIN kpi.catalogue AS c USING (kpi)
),
series AS (
    SELECT
        period_start, period_end, brand_id, platform, account_id, kpi, period_rule, scale, level,
        count(*) FILTER (WHERE counted) AS days_counted,
        sum(numerator) FILTER (WHERE counted) AS counted_numerator,
        sum(denominator) FILTER (WHERE counted) AS counted_denominator,
        -- followers at the end of the day before the period: the first day's denominator
        max(denominator) FILTER (WHERE date = period_start) AS start_denominator,
        -- follower_retention_rate: a day's denominator - numerator is the followers lost that day
        sum(denominator - numerator) FILTER (WHERE counted) AS lost,
        arg_max(value, date) FILTER (WHERE value IS NOT NULL) AS last_value,
        arg_max(accounts_counted, date) FILTER (WHERE value IS NOT NULL) AS last_accounts_counted,
        max(accounts_in_scope) AS accounts_in_scope,
        max(accounts_counted) AS any_counted
    FROM days
    GROUP BY period_start, period_end, brand_id, platform, account_id, kpi, period_rule, scale, level
),
ruled AS (
    SELECT
        *,
        CASE period_rule
            WHEN 'sum' THEN counted_numerator
            WHEN 'end' THEN last_value
            WHEN 'ratio' THEN counted_numerator
            WHEN 'start_ratio' THEN counted_numerator
            WHEN 'retention' THEN start_denominator - lost
        END AS period_numerator,
        CASE period_rule
            WHEN 'ratio' THEN counted_denominator
            WHEN 'start_ratio' THEN start_denominator
            WHEN 'retention' THEN start_denominator
        END AS period_denominator
    FROM series
),
-- account series in the config: what each contributes to its rollups
accounts AS (
    SELECT
        *,
        CASE WHEN period_rule IN ('start_ratio', 'retention')
             THEN period_numerator IS NOT NULL AND period_denominator IS NOT NULL
             ELSE days_counted > 0 END AS entered
    FROM ruled
    WHERE account_id <> 'all' AND accounts_in_scope = 1
),
account_totals AS (
    SELECT
        period_start, brand_id, coalesce(platform, 'all') AS platform, kpi,
        CAST(count(*) FILTER (WHERE entered) AS INTEGER) AS accounts_entered,
        sum(period_numerator) FILTER (WHERE entered) AS accounts_numerator,
        sum(period_denominator) FILTER (WHERE entered) AS accounts_denominator
    FROM accounts
    GROUP BY GROUPING SETS ((period_start, brand_id, platform, kpi), (period_start, brand_id, kpi))
),
-- days of a rollup on which every account that entered its period was counted: a rollup whose
-- account stopped mid-period has fewer, so its figure shows as partial
complete_days AS (
    SELECT d.period_start, d.brand_id, d.platform, d.kpi, count(*) AS days_complete
    FROM days AS d
    JOIN account_totals AS t USING (period_start, brand_id, platform, kpi)
    WHERE d.account_id = 'all' AND d.level IN ('account', 'post') AND d.counted
      AND d.accounts_counted >= t.accounts_entered
    GROUP BY d.period_start, d.brand_id, d.platform, d.kpi
),
combined AS (
    -- accounts, and brand-fact KPIs (web, ads, mentions, reviews, surveys: no accounts)
    SELECT
        period_start, period_end, brand_id, platform, account_id, kpi, period_rule, scale, level, period_numerator AS numerator, period_denominator AS denominator, days_counted,
        accounts_in_scope,
        CASE WHEN account_id <> 'all' THEN CASE WHEN period_rule IN ('start_ratio', 'retention')
                  THEN CAST(period_numerator IS NOT NULL AND period_denominator IS NOT NULL AS INTEGER)
                  ELSE CAST(days_counted > 0 AS INTEGER) END END AS accounts_counted
    FROM ruled
    WHERE account_id <> 'all' OR level NOT IN ('account', 'post')
    UNION ALL
    -- rollups of account KPIs
    SELECT
        r.period_start, r.period_end, r.brand_id, r.platform, r.account_id, r.kpi, r.period_rule, r.scale, r.level,
        CASE WHEN r.period_rule IN ('start_ratio', 'retention') THEN t.accounts_numerator
             ELSE r.period_numerator END,
        CASE WHEN r.period_rule IN ('start_ratio', 'retention') THEN t.accounts_denominator
             ELSE r.period_denominator END,
        CASE WHEN r.period_rule = 'end' THEN r.days_counted ELSE coalesce(c.days_complete, 0) END,
        r.accounts_in_scope,
        CASE WHEN r.period_rule = 'end' THEN r.last_accounts_counted ELSE coalesce(t.accounts_entered, 0) END
    FROM ruled AS r
    LEFT JOIN account_totals AS t USING (period_start, brand_id, platform, kpi)
    LEFT JOIN complete_days AS c USING (period_start, brand_id, platform, kpi)
    WHERE r.account_id = 'all' AND r.level IN ('account', 'post')
)
SELECT
    period_start AS month_start,
    period_end AS month_end,
    brand_id, platform, account_id, kpi,
    CASE WHEN period_rule = 'none' THEN NULL
         WHEN period_rule IN ('sum', 'end') THEN numerator
         WHEN numerator IS NULL OR denominator IS NULL OR denominator = 0 THEN NULL
         ELSE numerator / denominator * scale END AS value,
    CASE WHEN period_rule <> 'none' THEN numerator END AS numerator,
    CASE WHEN period_rule <> 'none' THEN denominator END AS denominator,
    CAST(period_end - period_start + 1 AS INTEGER) AS days_in_period,
    CASE WHEN level <> 'post' THEN CAST(days_counted AS INTEGER) END AS days_counted,
    accounts_in_scope,
    accounts_counted
FROM combined;
COMMENT ON VIEW kpi.monthly IS 'KPIs per calendar month [month_start, brand_id, platform, account_id, kpi], re-aggregated from kpi.daily by kpi.catalogue.period_rule (one rule for every period, transforms/sql/kpi_periods.sql.j2): counts summed; a rate is its summed daily numerators / summed daily denominators over the rows (days x accounts) where both are known, so follower-based rates stay on the daily scale (the follower-weighted mean of the daily rates); audience_growth_rate, follower_churn_rate and follower_retention_rate are cumulative over the followers at the period start; followers and potential_reach take the last day with data; reach is NULL. Coverage: days_counted of days_in_period, accounts_counted of accounts_in_scope.';
COMMENT ON COLUMN kpi.monthly.month_start IS 'First day of the month.';
COMMENT ON COLUMN kpi.monthly.month_end IS 'Last day of the month.';
COMMENT ON COLUMN kpi.monthly.brand_id IS 'Brand (or competitor) id.';
COMMENT ON COLUMN kpi.monthly.platform IS 'Platform, or ''all'' for the brand rollup.';
COMMENT ON COLUMN kpi.monthly.account_id IS 'Account id, or ''all'' for rollups.';
COMMENT ON COLUMN kpi.monthly.kpi IS 'KPI name (see kpi.catalogue).';
COMMENT ON COLUMN kpi.monthly.value IS 'KPI value for the month by kpi.catalogue.period_rule; NULL when the numerator or denominator is unknown or the denominator is zero, and for reach (unique reach cannot be summed from days).';
COMMENT ON COLUMN kpi.monthly.numerator IS 'Numerator for the month (the value for counts and level KPIs): summed over the rows where it (and for a rate its denominator) is known.';
COMMENT ON COLUMN kpi.monthly.denominator IS 'Denominator for the month; NULL for counts. Follower-based rates: follower-days (summed daily followers at the start of each day), except the cumulative audience_growth_rate, follower_churn_rate and follower_retention_rate: followers at the start of the month.';
COMMENT ON COLUMN kpi.monthly.days_in_period IS 'Days in the month.';
COMMENT ON COLUMN kpi.monthly.days_counted IS 'Days of the month whose value (both parts of a rate) entered the figure; for rollups, the days on which every account that entered the month was counted (followers, potential_reach: days with a value). Fewer than days_in_period: a partial figure. NULL for post-level KPIs (a row only on publication days: a day without a post is not missing).';
COMMENT ON COLUMN kpi.monthly.accounts_in_scope IS 'Rollup rows: the configured accounts whose inputs can produce the KPI at all (as kpi.daily). Account rows: 1 in the config, 0 found in the drop folder only. NULL for brand-fact KPIs.';
COMMENT ON COLUMN kpi.monthly.accounts_counted IS 'Rollup rows: the accounts that entered the figure (for followers and potential_reach: on the last day with data; for the cumulative follower rates: those with followers at the period start). Fewer than accounts_in_scope: a partial figure. NULL for brand-fact KPIs.';
COMMENT ON COLUMN kpi.catalogue.level IS 'account (per account, rolled up to account_id = ''all'') | brand_platform (brand facts per platform, account_id = ''all'') | brand (brand facts across platforms only: platform = ''all'') | post (from kpi.posts by publication date, rolled up like account KPIs).';
COMMENT ON COLUMN kpi.catalogue.period_rule IS 'How kpi.weekly, kpi.monthly and any range re-aggregate the daily rows: sum | end (last day of the period with data) | ratio (summed numerators / summed denominators over the rows with both and a non-zero denominator: follower-based rates stay on the daily scale) | start_ratio (cumulative: summed numerators / followers at the period start) | retention (cumulative: (followers at period start - followers lost) / followers at period start) | none (NULL: reach).';
