-- The data rows of a large per-post export as DuckDB reads them, every cell as text (c0, c1, ...),
-- in file order. Rows of blank cells are skipped, as the format's parser skips them (a blank row has
-- no post id). No row number here: a window over the read would run the whole staging statement on
-- one thread. post_table_stage.sql keeps the file order (its rowid is the row's place among these
-- rows); the rows left to the parser are fetched again by that place (post_table_python_rows.sql).
SELECT *
FROM read_csv($path, header = false, skip = $skip, delim = $delimiter, quote = '"', escape = '"',
              columns = {columns}, auto_detect = false, null_padding = false, strict_mode = true,
              encoding = $encoding)
WHERE trim(coalesce({post_id}, ''), E' \n') <> '' OR trim(concat({whole_row}), E' \n') <> ''
