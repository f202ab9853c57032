-- The rows of post_table_rows that DuckDB read (post_table_stage.sql), as raw records with the
-- file's lineage; the Python parser's rows are landed beside them from frames. published_at is the
-- local time minus the day's UTC offset (post_table_offsets: days without a DST change only).
INSERT INTO raw.post_records (source, source_key, source_rank, platform, account_id, post_id, published_at,
                              post_type, post_type_raw, permalink, title)
SELECT $source, $source_key, $source_rank, $platform, $account_id, r.post_id,
       r.published_local - to_minutes(o.offset_minutes), r.post_type, r.post_type_raw, r.permalink, r.title
FROM post_table_rows AS r
LEFT JOIN post_table_offsets AS o ON o.day = CAST(r.published_local AS DATE)
WHERE NOT r.python_row;

INSERT INTO raw.post_metric_values (source, source_key, source_rank, platform, account_id, post_id, snapshot_date,
                                    metric, source_metric, value)
SELECT $source, $source_key, $source_rank, $platform, $account_id, post_id, $snapshot_date,
       unnest(CAST($metrics AS VARCHAR[])), unnest(CAST($source_metrics AS VARCHAR[])), unnest(metric_values)
FROM post_table_rows
WHERE NOT python_row;
