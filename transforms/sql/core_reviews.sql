-- core.reviews: the latest version of every review; created_date in the account's timezone.
SELECT
    r.platform, r.review_id, r.location_id, a.brand_id, r.created_at,
    CAST(timezone(a.timezone, timezone('UTC', r.created_at)) AS DATE) AS created_date,
    r.rating, r.comment
FROM raw.review_records AS r
JOIN core.accounts AS a USING (platform, account_id)
QUALIFY row_number() OVER (
    PARTITION BY r.platform, r.review_id
    ORDER BY (r.source = 'api') DESC, r.source_rank DESC, r.source_key DESC) = 1
-- in date order, as replace_window writes: a one-day run's read of the day skips the other row groups
ORDER BY created_date
