-- core.post_daily for dates in [$start, $end]: change of each lifetime counter since the
-- post's previous snapshot (which may lie before the window, and need not be in core yet).
-- NULL where either side is NULL.
WITH steps AS (
    SELECT
        platform, post_id, account_id, snapshot_date AS date,
        impressions - lag(impressions) OVER w AS impressions,
        reach - lag(reach) OVER w AS reach,
        views - lag(views) OVER w AS views,
        likes - lag(likes) OVER w AS likes,
        comments - lag(comments) OVER w AS comments,
        shares - lag(shares) OVER w AS shares,
        saves - lag(saves) OVER w AS saves,
        clicks - lag(clicks) OVER w AS clicks,
        lag(snapshot_date) OVER w AS previous_date
    FROM raw.post_snapshots_picked
    WHERE snapshot_date <= $end
    WINDOW w AS (PARTITION BY platform, post_id ORDER BY snapshot_date)
)
SELECT platform, post_id, date, account_id, impressions, reach, views, likes, comments, shares, saves, clicks
FROM steps
WHERE date BETWEEN $start AND $end AND previous_date IS NOT NULL
