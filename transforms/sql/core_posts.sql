-- core.posts: the latest metadata of every post from any source (API beats exports, then the
-- latest source, then the later file path), from the account that owns the post only
-- (raw.post_owners: the same post id under another account is a conflict, not a move).
-- published_date is the publish date in the account's timezone.
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
JOIN raw.post_owners AS o
    ON o.platform = r.platform AND o.post_id = r.post_id AND o.account_id = r.account_id
LEFT JOIN core.accounts AS a ON a.platform = r.platform AND a.account_id = r.account_id
LEFT JOIN raw.export_files AS f ON f.file_hash = CASE WHEN r.source = 'export' THEN r.source_key END
     AND f.platform = r.platform AND f.account_id = r.account_id
QUALIFY row_number() OVER (
    PARTITION BY r.platform, r.post_id
    ORDER BY (r.source = 'api') DESC, r.source_rank DESC, f.path DESC NULLS LAST, r.source_key DESC) = 1
