-- raw.account_metrics_reported: the metrics of newly landed raw.account_daily_values rows
-- ({relation}) that the account had not reported before.
INSERT INTO raw.account_metrics_reported
SELECT DISTINCT n.platform, n.account_id, n.metric
FROM {relation} AS n
WHERE n.metric IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM raw.account_metrics_reported AS r
                  WHERE r.platform = n.platform AND r.account_id = n.account_id AND r.metric = n.metric)
