-- Export files quarantined in [$since, $until) (UTC), with the account's brand (the first brand
-- for a drop folder of an account that is not registered).
SELECT coalesce(a.brand_id, $default_brand) AS brand_id, f.platform, f.account_id,
       a.name AS account_name, f.path, f.reason, f.loaded_at
FROM raw.export_files f
LEFT JOIN core.accounts a ON a.platform = f.platform AND a.account_id = f.account_id
WHERE f.status = 'quarantined'
  AND f.loaded_at >= $since AND f.loaded_at < $until
ORDER BY brand_id, f.path
