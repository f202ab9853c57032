-- API accounts whose newest successfully pulled day is $stale_days or more before $day.
-- $accounts: 'platform/account_id' of the accounts the config pulls through an API.
-- Accounts never pulled successfully have no row here (their failures are api_failing alerts).
WITH pulled AS (
    SELECT platform, account_id, max(window_end) AS last_date
    FROM raw.api_pages
    WHERE status BETWEEN 200 AND 299
    GROUP BY platform, account_id
)
SELECT a.brand_id, a.platform, a.account_id, a.name AS account_name, p.last_date,
       datediff('day', p.last_date, $day) AS days_stale
FROM core.accounts a
JOIN pulled p ON p.platform = a.platform AND p.account_id = a.account_id
WHERE list_contains($accounts, a.platform || '/' || a.account_id)
  AND datediff('day', p.last_date, $day) >= $stale_days
ORDER BY a.brand_id, a.platform, a.account_id
