-- The cells of the rows of post_table_rows left to the format's parser ($ordinals: their rowids,
-- which are their places in file order), read again from the file and numbered the same way. A row
-- whose post id is not the one staged at that place means the numbering differs: the caller then
-- reads the whole file in Python. The window runs on one thread, which is why only this re-read
-- numbers the rows.
SELECT f.* EXCLUDE (ordinal, post_id_cell), f.post_id_cell IS NOT DISTINCT FROM s.post_id AS same_row
FROM (SELECT row_number() OVER () - 1 AS ordinal, coalesce(trim({post_id}, E' \n'), '') AS post_id_cell, *
      FROM ({file_rows})) AS f
LEFT JOIN post_table_rows AS s ON s.rowid = f.ordinal
WHERE f.ordinal IN (SELECT unnest(CAST($ordinals AS BIGINT[])))
ORDER BY f.ordinal
