-- API pulls that failed in [$since, $until) (UTC), from meta.load_log (the <platform>_api assets
-- log one error row per failed account): the latest failure of each account.
SELECT coalesce(a.brand_id, $default_brand) AS brand_id, l.platform, l.account_id,
       a.name AS account_name, l.logged_at, l.message
FROM meta.load_log l
LEFT JOIN core.accounts a ON a.platform = l.platform AND a.account_id = l.account_id
WHERE l.level = 'error'
  AND l.step = l.platform || '_api'
  AND l.logged_at >= $since AND l.logged_at < $until
QUALIFY row_number() OVER (PARTITION BY l.platform, l.account_id ORDER BY l.logged_at DESC) = 1
ORDER BY brand_id, l.platform, l.account_id
