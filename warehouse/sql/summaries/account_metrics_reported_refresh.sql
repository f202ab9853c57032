-- raw.account_metrics_reported recomputed from raw.account_daily_values for the accounts in
-- $accounts (a list of {platform, account_id}), or for every account when $all.
DELETE FROM raw.account_metrics_reported
WHERE $all OR list_contains($accounts, {'platform': platform, 'account_id': account_id});
INSERT INTO raw.account_metrics_reported
SELECT DISTINCT platform, account_id, metric
FROM raw.account_daily_values
WHERE metric IS NOT NULL
  AND ($all OR list_contains($accounts, {'platform': platform, 'account_id': account_id}))
