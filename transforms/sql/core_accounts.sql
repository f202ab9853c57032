-- core.accounts: configured accounts (the registered frame configured_accounts) plus accounts
-- that only appear in the drop folder or API landing, registered under the first brand.
WITH configured AS (
    SELECT platform, account_id, name, brand_id, CAST(is_competitor AS BOOLEAN) AS is_competitor, timezone
    FROM configured_accounts
),
discovered AS (
    SELECT DISTINCT platform, account_id FROM raw.export_files
    UNION
    SELECT DISTINCT platform, account_id FROM raw.api_pages
)
SELECT platform, account_id, name, brand_id, is_competitor, timezone, true AS in_config
FROM configured
UNION ALL
SELECT d.platform, d.account_id, NULL, $first_brand, false, $default_timezone, false
FROM discovered AS d
WHERE NOT EXISTS (SELECT 1 FROM configured AS c WHERE c.platform = d.platform AND c.account_id = d.account_id)
