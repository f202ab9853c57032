-- A large per-post export read by DuckDB: one row per data row of the file, every cell as text
-- (no type sniffing), the platform's quirks applied here (ingest/bulk_posts.py). The names in braces
-- are filled in by ingest/bulk_posts.py: file_rows is post_table_cells.sql, the others are column
-- lists built from the format's declared layout (connectors.base.PostTableLayout); the rest are
-- parameters.
--
-- `python_row` marks the rows whose cells this statement cannot read exactly as the format's own
-- Python parser does (whitespace other than spaces and line feeds, numbers other than the plain
-- form, dates it cannot read, post ids a spreadsheet rounded...): those rows go to that parser,
-- which also reports any error with its file row. `has_cr` marks rows holding a carriage return,
-- which Python's csv module may split where DuckDB does not: such a file is read by Python whole.
-- The rows are written in file order (DuckDB's preserve_insertion_order, on by default), so a row's
-- rowid is its place in the file's data rows.
CREATE OR REPLACE TEMP TABLE post_table_rows AS
WITH file_rows AS (
    {file_rows}
),
cells AS (
    SELECT {cells}, {whole_row}
    FROM file_rows
),
-- Python's str.strip() and str.splitlines() know more blanks and line breaks than trim(): a row
-- whose cells hold any of these (or a NUL, or a byte-order mark) is left to the Python parser.
-- The checks run only when a pass over the file's bytes found such characters could be there.
readable AS (
    SELECT *,
           CASE WHEN $check_whitespace THEN regexp_matches(
               concat(post_id_text, published_text, permalink_text, type_text, period_text, array_to_string(title_texts, '')),
               '[\t\r\x{0b}\x{0c}\x{1c}-\x{1f}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}\x{feff}\x00]')
                ELSE false END AS odd_text,
           CASE WHEN $check_carriage_return THEN contains(concat({whole_row}), chr(13)) ELSE false END AS has_cr,
           nullif(trim(published_text, E' \n'), '') AS published_trimmed,
           nullif(trim(type_text, E' \n'), '') AS type_trimmed
    FROM cells
),
parsed AS (
    SELECT odd_text, has_cr,
           coalesce(trim(post_id_text, E' \n'), '') AS post_id,
           lower(trim(period_text, E' \n')) = $period_value AS period_ok,
           published_trimmed,
           CASE WHEN regexp_full_match(published_trimmed, '[0-9]{1,2}/[0-9]{1,2}/[0-9]{4} [0-9]{1,2}:[0-9]{2}')
                THEN try_strptime(published_trimmed, '%m/%d/%Y %H:%M') END AS published_local,
           type_trimmed AS post_type_raw,
           CAST($type_values AS VARCHAR[])[list_position(CAST($type_names AS VARCHAR[]), lower(type_trimmed))] AS post_type,
           regexp_matches(type_trimmed, '[^\x{01}-\x{7f}]') AS type_not_ascii,
           nullif(trim(permalink_text, E' \n'), '') AS permalink,
           -- the title: the first non-empty line of the first cell that has one, at most 200 characters
           -- (the first line, when it is not blank, without splitting the whole caption)
           list_filter(list_transform(title_texts, t -> CASE WHEN trim(split_part(t, chr(10), 1)) <> ''
                                                             THEN split_part(t, chr(10), 1)
                                                             ELSE list_filter(string_split(coalesce(t, ''), chr(10)),
                                                                              line -> trim(line) <> '')[1] END),
                       line -> line IS NOT NULL)[1] AS title_line,
           metric_texts,
           -- a number in the plain form ("1234", "-2", "1777.0") is read here, as the parser reads it
           list_transform(metric_texts, m -> CASE WHEN regexp_full_match(m, '-?[0-9]+(\.[0-9]+)?')
                                                  THEN CAST(m AS DOUBLE) END) AS metric_values
    FROM readable
)
SELECT has_cr, post_id, published_local, post_type, post_type_raw, permalink,
       rtrim(left(trim(title_line), 200)) AS title, metric_values,
       odd_text OR NOT coalesce(period_ok, false) OR post_id = ''
           OR regexp_full_match(post_id, '(?i)[0-9]+(\.[0-9]+)?E\+[0-9]+')  -- rounded by a spreadsheet
           OR (published_trimmed IS NOT NULL AND (published_local IS NULL OR year(published_local) < 1))
           OR coalesce(type_not_ascii, false)
           -- a cell that is neither a plain number nor a placeholder ("1,234", "12%", "1.2K", "12x4")
           OR CASE WHEN len(list_filter(metric_texts, m -> m IS NOT NULL)) = len(list_filter(metric_values, v -> v IS NOT NULL))
                   THEN false
                   ELSE list_bool_or(list_transform(metric_texts, m -> NOT (m IS NULL OR regexp_full_match(m, '-?[0-9]+(\.[0-9]+)?')
                                                                        OR list_contains(CAST($placeholders AS VARCHAR[]), lower(trim(m, E' \n'))))))
              END AS python_row
FROM parsed;
