-- The data rows of a large per-post export as DuckDB reads them, every cell as text (c0, c1, ...),
-- numbered in file order. Rows of blank cells are skipped, as the format's parser skips them (a blank
-- row has no post id). Used by post_table_stage.sql, and again to fetch the rows left to the parser.
SELECT row_number() OVER () AS ordinal, *
FROM read_csv($path, header = false, skip = $skip, delim = $delimiter, quote = '"', escape = '"',
              columns = {columns}, auto_detect = false, null_padding = false, strict_mode = true,
              encoding = $encoding)
WHERE trim(coalesce({post_id}, ''), E' \n') <> '' OR trim(concat({whole_row}), E' \n') <> ''
