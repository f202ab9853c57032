-- Daily insights pages of landed API pulls read by DuckDB (ingest.api_insights), as the client's
-- `normalise` reads them (connectors.base.DailyInsightsLayout). Inputs: _replay_insight_pages
-- (the candidate pages: their key, _pull_order, _layout, day_offset) and _replay_insight_metrics
-- (_layout, name, metric). Output: _replay_insight_pages_read (the pages read here) and
-- _replay_insight_values (their values). A page that Python would read otherwise, or fail on, is
-- "odd" and left to Python.

-- The pages' entries, each entry's `values` still as JSON text.
CREATE OR REPLACE TEMP TABLE _replay_insight_entries AS
WITH pages AS (
    SELECT c.platform, c.account_id, c.window_start, c.window_end, c.page_no, c._pull_order, c._layout,
           c.day_offset, CAST(p.body AS VARCHAR) AS body,
           try(from_json(p.body, '{"error": "JSON", "data": [{"name": "JSON", "values": "JSON"}]}')) AS parsed
    FROM raw.api_pages AS p
    JOIN _replay_insight_pages AS c USING (platform, account_id, window_start, window_end, page_no)
)
SELECT platform, account_id, window_start, window_end, page_no, _pull_order, _layout, day_offset,
       -- Python's json module refuses what DuckDB's reader accepts (trailing commas; inf and nan
       -- in any spelling: those it reads, NaN, Infinity, -Infinity, go to it as well), and an
       -- entry's `values` other than a list or null fails there (`or []`, then iteration).
       coalesce(body, '') <> '' AND (
           (parsed IS NULL AND NOT json_valid(body))
           OR regexp_matches(body, ',\s*[\]}]|[\[:,]\s*[-+]?(?i:inf|nan)')
           OR list_bool_or(list_transform(coalesce(parsed.data, []),
                                          e -> coalesce(json_type(e."values"), 'NULL') NOT IN ('ARRAY', 'NULL'))))
           AS page_odd,
       -- a page answered with an error object holds no values
       CASE WHEN json_type(parsed.error) IS DISTINCT FROM 'OBJECT' THEN parsed.data END AS entries
FROM pages;

-- One row per value of an entry with a string name (Python skips the others).
CREATE OR REPLACE TEMP TABLE _replay_insights AS
WITH points AS (
    SELECT platform, account_id, window_start, window_end, page_no, _pull_order, _layout, day_offset, source_metric,
           unnest(from_json(entry_values, '[{"value": "JSON", "end_time": "VARCHAR"}]')) AS point
    FROM (SELECT platform, account_id, window_start, window_end, page_no, _pull_order, _layout, day_offset,
                 entry.name ->> '$' AS source_metric, entry."values" AS entry_values
          FROM (SELECT *, unnest(entries) AS entry FROM _replay_insight_entries WHERE NOT page_odd)
          WHERE json_type(entry.name) = 'VARCHAR')
),
days AS (
    SELECT *, left(point.end_time, 10) AS stamp, TRY_CAST(left(point.end_time, 10) AS DATE) AS stamped,
           json_type(point.value) AS value_type
    FROM points
),
dated AS (
    SELECT *,
           -- Python reads `end_time[:10]` with date.fromisoformat, which takes only this form
           stamped IS NOT NULL AND strftime(stamped, '%Y-%m-%d') = stamp AND stamped > DATE '0001-01-01'
               AS stamp_ok,
           CASE WHEN stamped > DATE '0001-01-01' THEN stamped + CAST(day_offset AS INTEGER) END AS date
    FROM days
)
SELECT d.platform, d.account_id, d.window_start, d.window_end, d.page_no, d._pull_order,
       -- a point without a readable end_time (or no object), or a value in the window given as
       -- text, is read by Python or fails there
       NOT d.stamp_ok OR (d.value_type = 'VARCHAR' AND d.date BETWEEN d.window_start AND d.window_end) AS odd,
       d.stamp_ok AND d.date BETWEEN d.window_start AND d.window_end
           AND d.value_type IS DISTINCT FROM 'OBJECT' AS kept,  -- a breakdown is no daily figure
       d.date, m.metric, d.source_metric,
       CASE WHEN d.value_type IN ('UBIGINT', 'BIGINT', 'DOUBLE') THEN CAST(d.point.value AS DOUBLE) END AS value
FROM dated AS d
LEFT JOIN _replay_insight_metrics AS m ON m._layout = d._layout AND m.name = d.source_metric;

-- The candidate pages read here: every one without anything odd.
CREATE OR REPLACE TEMP TABLE _replay_insight_pages_read AS
SELECT platform, account_id, window_start, window_end, page_no
FROM _replay_insight_entries
WHERE NOT page_odd
EXCEPT
SELECT platform, account_id, window_start, window_end, page_no
FROM _replay_insights
WHERE odd;

-- The values landed from the pages read here, in pull order (the writer takes them pull by pull).
CREATE OR REPLACE TEMP TABLE _replay_insight_values AS
SELECT i._pull_order, i.date, i.metric, i.source_metric, i.value
FROM _replay_insights AS i
SEMI JOIN _replay_insight_pages_read AS r USING (platform, account_id, window_start, window_end, page_no)
WHERE i.kept
ORDER BY i._pull_order;

DROP TABLE _replay_insights;

DROP TABLE _replay_insight_entries;
