-- core.posts: the latest metadata of every post from any source (API beats exports, then the
-- latest source). published_date is the publish date in the account's timezone.
SELECT
    r.platform,
    r.post_id,
    r.account_id,
    r.published_at,
    CAST(timezone(coalesce(a.timezone, 'UTC'), timezone('UTC', r.published_at)) AS DATE) AS published_date,
    r.post_type,
    r.post_type_raw,
    r.permalink,
    r.title
FROM raw.post_records AS r
LEFT JOIN core.accounts AS a USING (platform, account_id)
QUALIFY row_number() OVER (
    PARTITION BY r.platform, r.post_id
    ORDER BY (r.source = 'api') DESC, r.source_rank DESC, r.source_key DESC) = 1
