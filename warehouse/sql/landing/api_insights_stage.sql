-- Daily insights pages of landed API pulls read by DuckDB (ingest.api_insights), as the client's
-- `normalise` reads them (connectors.base.DailyInsightsLayout). Inputs: _replay_insight_pages
-- (the candidate pages: their key, _pull_order, _layout, day_offset) and _replay_insight_metrics
-- (_layout, name, metric). Output: _replay_insight_pages_read (the pages read here) and
-- _replay_insight_values (their values, by _pull_order). A page that Python would read otherwise, or fail on, is
-- "odd" and left to Python.

-- The pages' entries, read once with typed fields (a number as DOUBLE); what the typed read
-- cannot tell apart is checked on the text and the types of the JSON document.
CREATE OR REPLACE TEMP TABLE _replay_insight_entries AS
WITH pages AS (
    SELECT c.platform, c.account_id, c.window_start, c.window_end, c.page_no, c._pull_order, c._layout,
           c.day_offset, CAST(p.body AS VARCHAR) AS body,
           try(from_json(p.body, '{"error": "JSON", "data": [{"name": "JSON", "values": [{"value": "DOUBLE", "end_time": "VARCHAR"}]}]}')) AS parsed
    FROM raw.api_pages AS p
    JOIN _replay_insight_pages AS c USING (platform, account_id, window_start, window_end, page_no)
)
SELECT platform, account_id, window_start, window_end, page_no, _pull_order, _layout, day_offset,
       coalesce(body, '') <> '' AND (
           -- text Python's json module refuses and DuckDB's reader accepts: trailing commas; inf
           -- and nan in any spelling (those it reads, NaN, Infinity, -Infinity, go to it as well).
           -- A `value` that is no number or null (text, a breakdown object, true...: the typed
           -- read would turn it into a number or NULL); a \u escape (it could spell a key).
           (parsed IS NULL AND NOT json_valid(body))
           OR regexp_matches(body, ',\s*[\]}]|[\[:,]\s*[-+]?(?i:inf|nan)|"value"\s*:\s*[^-0-9n\s]|\\u')
           -- `values` other than a list or null (Python fails: `or []`, then iteration)
           OR NOT list_bool_and(list_transform(coalesce(try(json_type(body, '$.data[*].values')), []),
                                               t -> t IN ('ARRAY', 'NULL'))))
           AS page_odd,
       -- a page answered with an error object holds no values
       CASE WHEN json_type(parsed.error) IS DISTINCT FROM 'OBJECT' THEN parsed.data END AS entries
FROM pages;

-- One row per value of an entry whose name is text (Python skips the others) that is kept, or odd; in
-- pull order, as the writer takes them.
CREATE OR REPLACE TEMP TABLE _replay_insight_values AS
WITH points AS (
    SELECT window_start, window_end, page_no, _pull_order, _layout, day_offset,
           entry.name ->> '$' AS source_metric, unnest(entry."values") AS point
    FROM (SELECT *, unnest(entries) AS entry FROM _replay_insight_entries WHERE NOT page_odd)
    WHERE json_type(entry.name) = 'VARCHAR'
),
days AS (
    SELECT *, left(point.end_time, 10) AS stamp, TRY_CAST(left(point.end_time, 10) AS DATE) AS stamped
    FROM points
),
dated AS (
    SELECT *,
           -- Python reads `end_time[:10]` with date.fromisoformat, which takes only this form; a
           -- point without a readable end_time (or no object at all) fails there: odd
           stamped IS NOT NULL AND strftime(stamped, '%Y-%m-%d') = stamp AND stamped > DATE '0001-01-01'
               AS stamp_ok,
           CASE WHEN stamped > DATE '0001-01-01' THEN stamped + CAST(day_offset AS INTEGER) END AS date
    FROM days
)
SELECT d._pull_order, d.page_no, NOT d.stamp_ok AS odd, d.date, m.metric, d.source_metric, d.point.value AS value
FROM dated AS d
LEFT JOIN _replay_insight_metrics AS m ON m._layout = d._layout AND m.name = d.source_metric
WHERE NOT d.stamp_ok OR d.date BETWEEN d.window_start AND d.window_end
ORDER BY d._pull_order;

-- The candidate pages read here: every one without anything odd.
CREATE OR REPLACE TEMP TABLE _replay_insight_pages_read AS
SELECT platform, account_id, window_start, window_end, page_no
FROM _replay_insight_entries AS e
WHERE NOT page_odd
  AND NOT EXISTS (SELECT 1 FROM _replay_insight_values AS v
                  WHERE v.odd AND v._pull_order = e._pull_order AND v.page_no = e.page_no);

-- Only the values of the pages read here stay.
DELETE FROM _replay_insight_values AS v
USING (SELECT DISTINCT _pull_order, page_no FROM _replay_insight_values WHERE odd) AS o
WHERE v._pull_order = o._pull_order AND v.page_no = o.page_no;

DROP TABLE _replay_insight_entries;
