-- What each account's inputs can produce at all (any date): can_<column> per core.account_daily
-- column. A KPI gets rows for an account only when its inputs can produce it. The metrics an
-- account reported come from raw.account_metrics_reported (kept up to date as values land), not
-- from the whole history of raw.account_daily_values.
WITH reported AS (
    SELECT platform, account_id, list(metric) AS metrics
    FROM raw.account_metrics_reported
    GROUP BY platform, account_id
),
flags AS (
    SELECT
        a.platform, a.account_id,
        {%- for column in columns %}
        coalesce(list_contains(r.metrics, '{{ column }}'), false) AS reports_{{ column }},
        {%- endfor %}
        EXISTS (SELECT 1 FROM core.follower_anchors AS f
                WHERE f.platform = a.platform AND f.account_id = a.account_id) AS has_anchor,
        EXISTS (SELECT 1 FROM raw.export_coverage AS c
                WHERE c.platform = a.platform AND c.account_id = a.account_id AND c.kind = 'posts') AS has_posts
    FROM core.accounts AS a
    LEFT JOIN reported AS r USING (platform, account_id)
)
SELECT
    platform, account_id,
    {%- for column in columns if column not in derived %}
    reports_{{ column }} AS can_{{ column }},
    {%- endfor %}
    reports_engagements OR reports_likes OR reports_comments OR reports_shares OR reports_saves AS can_engagements,
    (reports_followers_gained AND reports_followers_lost) OR reports_followers_net_change AS can_followers_net_change,
    reports_followers
        OR (has_anchor AND ((reports_followers_gained AND reports_followers_lost) OR reports_followers_net_change))
        AS can_followers,
    reports_posts_published OR has_posts AS can_posts_published
FROM flags
