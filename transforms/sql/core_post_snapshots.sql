-- core.post_snapshots for snapshot dates in [$start, $end].
SELECT platform, post_id, snapshot_date, account_id, impressions, reach, views, likes, comments, shares, saves, clicks
FROM raw.post_snapshots_picked
WHERE snapshot_date BETWEEN $start AND $end
