-- core.account_daily for [$start, $end].
--
-- 1. picked:   one value per account, date and metric. Only reported values compete: a number
--              beats a placeholder (NULL) from any other file or pull, whatever their dates.
--              Among numbers: API beats exports; among exports the file exported later wins
--              (source_rank). Between files exported the same day, a total the platform reports
--              beats one summed over a dimension's items (YouTube `Chart data.csv` sums,
--              source_metric "Views (sum over Traffic source)", fall short of `Totals.csv`); then
--              the larger number (a later read of a day has seen more late-arriving activity);
--              then the later file path. Never the file hash: the result does not depend on it.
-- 2. reported: which canonical metrics each account's inputs report at all (any date), so
--              engagements sum exactly the components the input has (TikTok: no saves).
-- 3. posts:    posts_published counted from per-post data on days a per-post source covers.
-- 4. followers rebuilt from known counts (core.follower_anchors) and daily net changes, when
--              the platform gives no total; NULL past any day whose net change is unknown.
WITH contested AS (
    -- the keys with more than one value: only those are ranked (most have a single source, and
    -- ranking 500,000 one-row partitions was most of this statement's time)
    SELECT platform, account_id, date, metric
    FROM raw.account_daily_values
    WHERE metric IS NOT NULL
    GROUP BY ALL
    HAVING count(*) > 1
),
candidates AS (
    SELECT v.platform, v.account_id, v.date, v.metric, v.value, v.source, v.source_rank, v.source_metric,
           v.source_key, f.path,
           -- when the winning input was landed (file load time, or API fetch time): keeps
           -- loaded_at identical when a range is re-run on unchanged inputs
           coalesce(f.loaded_at, v.source_rank) AS landed_at,
           c.metric IS NOT NULL AS contested
    FROM raw.account_daily_values AS v
    LEFT JOIN raw.export_files AS f ON f.file_hash = CASE WHEN v.source = 'export' THEN v.source_key END
         AND f.platform = v.platform AND f.account_id = v.account_id
    LEFT JOIN contested AS c
        ON c.platform = v.platform AND c.account_id = v.account_id AND c.date = v.date AND c.metric = v.metric
    WHERE v.metric IS NOT NULL
),
picked AS (
    SELECT platform, account_id, date, metric, value, source, landed_at FROM candidates WHERE NOT contested
    UNION ALL
    SELECT platform, account_id, date, metric, value, source, landed_at FROM (
        SELECT * FROM candidates
        WHERE contested
        QUALIFY row_number() OVER (
            PARTITION BY platform, account_id, date, metric
            ORDER BY (value IS NOT NULL) DESC, (source = 'api') DESC, source_rank DESC,
                     source_metric LIKE '% (sum over %)' ASC, value DESC NULLS LAST,
                     path DESC NULLS LAST, source_key DESC) = 1)
),
reported AS (
    SELECT
        platform, account_id,
        -- a follower column of placeholders only (TikTok Business audience: "--") reports no
        -- total, so the series can still be rebuilt from known counts
        bool_or(metric = 'followers' AND value IS NOT NULL) AS has_followers,
        bool_or(metric = 'followers_gained') AS has_gained,
        bool_or(metric = 'followers_lost') AS has_lost,
        bool_or(metric = 'followers_net_change') AS has_net,
        bool_or(metric = 'likes') AS has_likes,
        bool_or(metric = 'comments') AS has_comments,
        bool_or(metric = 'shares') AS has_shares,
        bool_or(metric = 'saves') AS has_saves,
        bool_or(metric = 'engagements') AS has_engagements,
        bool_or(metric = 'posts_published') AS has_posts_published
    FROM raw.account_daily_values
    WHERE metric IS NOT NULL
    GROUP BY platform, account_id
),
wide AS (
    SELECT
        platform, account_id, date,
        max(value) FILTER (WHERE metric = 'followers') AS followers,
        max(value) FILTER (WHERE metric = 'followers_gained') AS followers_gained,
        max(value) FILTER (WHERE metric = 'followers_lost') AS followers_lost,
        max(value) FILTER (WHERE metric = 'followers_net_change') AS followers_net_reported,
        max(value) FILTER (WHERE metric = 'impressions') AS impressions,
        max(value) FILTER (WHERE metric = 'reach') AS reach,
        max(value) FILTER (WHERE metric = 'profile_visits') AS profile_visits,
        max(value) FILTER (WHERE metric = 'video_views') AS video_views,
        max(value) FILTER (WHERE metric = 'likes') AS likes,
        max(value) FILTER (WHERE metric = 'comments') AS comments,
        max(value) FILTER (WHERE metric = 'shares') AS shares,
        max(value) FILTER (WHERE metric = 'link_shares') AS link_shares,
        max(value) FILTER (WHERE metric = 'saves') AS saves,
        max(value) FILTER (WHERE metric = 'engagements') AS engagements_reported,
        max(value) FILTER (WHERE metric = 'platform_engagements') AS platform_engagements,
        max(value) FILTER (WHERE metric = 'clicks') AS clicks,
        max(value) FILTER (WHERE metric = 'link_clicks') AS link_clicks,
        max(value) FILTER (WHERE metric = 'posts_published') AS posts_reported,
        bool_or(source = 'api') AS from_api,
        max(landed_at) AS landed_at
    FROM picked
    GROUP BY platform, account_id, date
),
covered_days AS (
    SELECT c.platform, c.account_id,
           CAST(unnest(generate_series(c.covers_start, c.covers_end, INTERVAL 1 DAY)) AS DATE) AS date,
           f.loaded_at
    FROM raw.export_coverage AS c
    LEFT JOIN raw.export_files AS f ON f.file_hash = c.source_key
         AND f.platform = c.platform AND f.account_id = c.account_id
    WHERE c.kind = 'posts'
),
post_counts AS (
    SELECT c.platform, c.account_id, c.date, count(DISTINCT p.post_id) AS posts_counted,
           max(c.loaded_at) AS landed_at
    FROM covered_days AS c
    LEFT JOIN core.posts AS p
        ON p.platform = c.platform AND p.account_id = c.account_id AND p.published_date = c.date
    GROUP BY c.platform, c.account_id, c.date
),
days AS (
    SELECT platform, account_id, date FROM wide
    UNION
    SELECT platform, account_id, date FROM post_counts
),
derived AS (
    SELECT
        d.platform, d.account_id, d.date,
        w.followers AS followers_reported,
        w.followers_gained,
        w.followers_lost,
        CASE WHEN r.has_gained AND r.has_lost AND w.followers_gained IS NOT NULL
                  AND w.followers_lost IS NOT NULL
             THEN w.followers_gained - w.followers_lost
             ELSE w.followers_net_reported END AS followers_net_change,
        w.impressions, w.reach, w.profile_visits, w.video_views,
        w.likes, w.comments, w.shares, w.link_shares, w.saves,
        CASE
            WHEN r.has_engagements THEN w.engagements_reported
            WHEN r.has_likes OR r.has_comments OR r.has_shares OR r.has_saves THEN
                  (CASE WHEN r.has_likes THEN w.likes ELSE 0 END)
                + (CASE WHEN r.has_comments THEN w.comments ELSE 0 END)
                + (CASE WHEN r.has_shares THEN w.shares ELSE 0 END)
                + (CASE WHEN r.has_saves THEN w.saves ELSE 0 END)
        END AS engagements,
        w.platform_engagements, w.clicks, w.link_clicks,
        CASE WHEN r.has_posts_published THEN w.posts_reported ELSE pc.posts_counted END AS posts_published,
        coalesce(w.from_api, false) AS from_api,
        greatest(w.landed_at, pc.landed_at) AS landed_at,
        coalesce(r.has_followers, false) AS has_followers
    FROM days AS d
    LEFT JOIN wide AS w USING (platform, account_id, date)
    LEFT JOIN reported AS r USING (platform, account_id)
    LEFT JOIN post_counts AS pc USING (platform, account_id, date)
),
-- Followers rebuild: a gap-free calendar per account from its first to last known day
-- (anchors included), with running sums of net change and of days whose net change is known.
bounds AS (
    -- from the day before the first data day: its end-of-day count is the first day's start
    SELECT platform, account_id, CAST(min(date) - INTERVAL 1 DAY AS DATE) AS first_day, max(date) AS last_day
    FROM (SELECT platform, account_id, date FROM derived WHERE NOT has_followers
          UNION ALL
          SELECT platform, account_id, date FROM core.follower_anchors)
    WHERE (platform, account_id) IN (SELECT (platform, account_id) FROM core.follower_anchors)
    GROUP BY platform, account_id
),
calendar AS (
    SELECT platform, account_id,
           CAST(unnest(generate_series(first_day, last_day, INTERVAL 1 DAY)) AS DATE) AS date
    FROM bounds
),
running AS (
    SELECT
        c.platform, c.account_id, c.date,
        sum(coalesce(d.followers_net_change, 0)) OVER w AS net_sum,
        count(d.followers_net_change) OVER w AS known_days
    FROM calendar AS c
    LEFT JOIN derived AS d USING (platform, account_id, date)
    WINDOW w AS (PARTITION BY c.platform, c.account_id ORDER BY c.date
                 ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
),
anchored AS (
    -- the anchor each day is rebuilt from: the latest known count on or before the day, else
    -- the earliest one after it
    SELECT
        r.platform, r.account_id, r.date, r.net_sum, r.known_days,
        coalesce(
            (SELECT max(a.date) FROM core.follower_anchors AS a
             WHERE a.platform = r.platform AND a.account_id = r.account_id AND a.date <= r.date),
            (SELECT min(a.date) FROM core.follower_anchors AS a
             WHERE a.platform = r.platform AND a.account_id = r.account_id)) AS anchor_date
    FROM running AS r
),
rebuilt AS (
    SELECT
        x.platform, x.account_id, x.date,
        CASE
            WHEN x.date >= x.anchor_date AND x.known_days - ar.known_days = datediff('day', x.anchor_date, x.date)
                THEN a.followers + (x.net_sum - ar.net_sum)
            WHEN x.date < x.anchor_date AND ar.known_days - x.known_days = datediff('day', x.date, x.anchor_date)
                THEN a.followers - (ar.net_sum - x.net_sum)
        END AS followers_rebuilt
    FROM anchored AS x
    JOIN core.follower_anchors AS a
        ON a.platform = x.platform AND a.account_id = x.account_id AND a.date = x.anchor_date
    JOIN running AS ar
        ON ar.platform = x.platform AND ar.account_id = x.account_id AND ar.date = x.anchor_date
)
-- Days with a rebuilt follower count but no other data (the day of a known count) get a row too,
-- so the next day's "followers at period start" is known.
SELECT
    platform, account_id, date,
    CASE WHEN d.has_followers THEN d.followers_reported ELSE rb.followers_rebuilt END AS followers,
    d.followers_gained, d.followers_lost, d.followers_net_change,
    d.impressions, d.reach, d.profile_visits, d.video_views,
    d.likes, d.comments, d.shares, d.link_shares, d.saves,
    d.engagements, d.platform_engagements, d.clicks, d.link_clicks, d.posts_published,
    CASE WHEN d.from_api THEN 'api' WHEN d.date IS NULL THEN 'config' ELSE 'export' END AS source,
    coalesce(d.landed_at, max(d.landed_at) OVER (PARTITION BY platform, account_id),
             TIMESTAMP '1970-01-01') AS loaded_at
FROM derived AS d
FULL OUTER JOIN (SELECT * FROM rebuilt WHERE followers_rebuilt IS NOT NULL) AS rb
    USING (platform, account_id, date)
WHERE date BETWEEN $start AND $end
