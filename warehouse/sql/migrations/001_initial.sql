-- Initial schema: raw landing tables, canonical core facts, KPI tables, load metadata.
-- Keys are documented in the table comments and enforced by the replace-window writes
-- (warehouse/writes.py), not by PRIMARY KEY constraints: DuckDB's ART indexes reject a
-- delete-then-reinsert of the same key inside one transaction, which is exactly our write path.

CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS core;
CREATE SCHEMA IF NOT EXISTS kpi;
CREATE SCHEMA IF NOT EXISTS meta;

-- ---------------------------------------------------------------------------------------------
-- meta
-- ---------------------------------------------------------------------------------------------

CREATE TABLE meta.load_log (
    logged_at TIMESTAMP NOT NULL,
    run_id VARCHAR,
    step VARCHAR NOT NULL,
    level VARCHAR NOT NULL,
    platform VARCHAR,
    account_id VARCHAR,
    subject VARCHAR,
    message VARCHAR NOT NULL
);
COMMENT ON TABLE meta.load_log IS 'What each load did: files landed, skipped or quarantined, accounts skipped or failed, source conflicts resolved. Append-only.';
COMMENT ON COLUMN meta.load_log.logged_at IS 'When the event was logged (UTC).';
COMMENT ON COLUMN meta.load_log.run_id IS 'Dagster run id, or NULL outside Dagster.';
COMMENT ON COLUMN meta.load_log.step IS 'Pipeline step (asset name) that logged the event.';
COMMENT ON COLUMN meta.load_log.level IS 'info | warning | error.';
COMMENT ON COLUMN meta.load_log.platform IS 'Platform concerned, if any.';
COMMENT ON COLUMN meta.load_log.account_id IS 'Account concerned, if any.';
COMMENT ON COLUMN meta.load_log.subject IS 'File (path relative to the exports folder) or other object concerned.';
COMMENT ON COLUMN meta.load_log.message IS 'What happened and why, in words.';

-- ---------------------------------------------------------------------------------------------
-- raw: landed exactly once per export file (by content hash) or per API pull
-- ---------------------------------------------------------------------------------------------

CREATE TABLE raw.export_files (
    file_hash VARCHAR NOT NULL,
    path VARCHAR NOT NULL,
    platform VARCHAR NOT NULL,
    account_id VARCHAR NOT NULL,
    format VARCHAR,
    status VARCHAR NOT NULL,
    reason VARCHAR,
    export_date DATE,
    size_bytes BIGINT NOT NULL,
    covers_start DATE,
    covers_end DATE,
    records BIGINT NOT NULL,
    notes VARCHAR,
    loaded_at TIMESTAMP NOT NULL
);
COMMENT ON TABLE raw.export_files IS 'Every export file seen in the drop folder, once per content hash [file_hash]: loaded, skipped (recognised, no daily facts) or quarantined (with the reason).';
COMMENT ON COLUMN raw.export_files.file_hash IS 'SHA-256 of the file content; a file with the same content is never ingested twice.';
COMMENT ON COLUMN raw.export_files.path IS 'Path relative to the exports folder when first seen (<platform>/<account_id>/<file>).';
COMMENT ON COLUMN raw.export_files.platform IS 'Platform from the drop folder.';
COMMENT ON COLUMN raw.export_files.account_id IS 'Account id from the drop folder.';
COMMENT ON COLUMN raw.export_files.format IS 'Native format recognised from the content (e.g. meta_daily_metric), NULL if none.';
COMMENT ON COLUMN raw.export_files.status IS 'loaded | skipped | quarantined.';
COMMENT ON COLUMN raw.export_files.reason IS 'Why the file was skipped or quarantined.';
COMMENT ON COLUMN raw.export_files.export_date IS 'Date the file was exported: the last date in its file name, else its modification date. Later exports win conflicts.';
COMMENT ON COLUMN raw.export_files.size_bytes IS 'File size in bytes.';
COMMENT ON COLUMN raw.export_files.covers_start IS 'First reporting date the file covers, if known.';
COMMENT ON COLUMN raw.export_files.covers_end IS 'Last reporting date the file covers, if known.';
COMMENT ON COLUMN raw.export_files.records IS 'Number of canonical records landed from the file.';
COMMENT ON COLUMN raw.export_files.notes IS 'Quirks handled while parsing (dropped Total rows, year inference...).';
COMMENT ON COLUMN raw.export_files.loaded_at IS 'When the file was landed (UTC).';

CREATE TABLE raw.api_pages (
    platform VARCHAR NOT NULL,
    account_id VARCHAR NOT NULL,
    window_start DATE NOT NULL,
    window_end DATE NOT NULL,
    page_no INTEGER NOT NULL,
    endpoint VARCHAR NOT NULL,
    params JSON,
    status INTEGER NOT NULL,
    body JSON,
    fetched_at TIMESTAMP NOT NULL
);
COMMENT ON TABLE raw.api_pages IS 'API responses as fetched [platform, account_id, window_start, page_no]: the request without secrets and the JSON body, so `socialkpi replay` re-normalises without the network.';
COMMENT ON COLUMN raw.api_pages.platform IS 'Platform.';
COMMENT ON COLUMN raw.api_pages.account_id IS 'Account id.';
COMMENT ON COLUMN raw.api_pages.window_start IS 'First date of the pulled window.';
COMMENT ON COLUMN raw.api_pages.window_end IS 'Last date of the pulled window (inclusive).';
COMMENT ON COLUMN raw.api_pages.page_no IS 'Order of the page within the pull.';
COMMENT ON COLUMN raw.api_pages.endpoint IS 'Request URL with every secret redacted.';
COMMENT ON COLUMN raw.api_pages.params IS 'Query parameters with every secret redacted.';
COMMENT ON COLUMN raw.api_pages.status IS 'HTTP status.';
COMMENT ON COLUMN raw.api_pages.body IS 'Decoded JSON response body.';
COMMENT ON COLUMN raw.api_pages.fetched_at IS 'When the page was fetched (UTC).';

-- Canonical records from exports and API pulls. source = 'export' (source_key = file_hash)
-- or 'api' (source_key = platform/account/window). source_rank orders competing sources:
-- the export date for files, the fetch time for API pulls.

CREATE TABLE raw.account_daily_values (
    source VARCHAR NOT NULL,
    source_key VARCHAR NOT NULL,
    source_rank TIMESTAMP NOT NULL,
    platform VARCHAR NOT NULL,
    account_id VARCHAR NOT NULL,
    date DATE NOT NULL,
    metric VARCHAR,
    source_metric VARCHAR NOT NULL,
    value DOUBLE
);
COMMENT ON TABLE raw.account_daily_values IS 'Account-level daily metric values as each source reported them, long format; core.account_daily picks one per account, date and metric.';
COMMENT ON COLUMN raw.account_daily_values.source IS 'export | api.';
COMMENT ON COLUMN raw.account_daily_values.source_key IS 'File hash (export) or pull key (api).';
COMMENT ON COLUMN raw.account_daily_values.source_rank IS 'Export date of the file or fetch time of the API pull; the latest wins within a source kind.';
COMMENT ON COLUMN raw.account_daily_values.platform IS 'Platform.';
COMMENT ON COLUMN raw.account_daily_values.account_id IS 'Account id.';
COMMENT ON COLUMN raw.account_daily_values.date IS 'Reporting date as the platform reports it.';
COMMENT ON COLUMN raw.account_daily_values.metric IS 'Canonical metric (a core.account_daily column), NULL for platform metrics kept only for lineage.';
COMMENT ON COLUMN raw.account_daily_values.source_metric IS 'The platform''s own metric name or export header (metric lineage).';
COMMENT ON COLUMN raw.account_daily_values.value IS 'Value; NULL where the platform reported a placeholder (never 0 for no data).';

CREATE TABLE raw.post_records (
    source VARCHAR NOT NULL,
    source_key VARCHAR NOT NULL,
    source_rank TIMESTAMP NOT NULL,
    platform VARCHAR NOT NULL,
    account_id VARCHAR NOT NULL,
    post_id VARCHAR NOT NULL,
    published_at TIMESTAMP,
    post_type VARCHAR,
    post_type_raw VARCHAR,
    permalink VARCHAR,
    title VARCHAR
);
COMMENT ON TABLE raw.post_records IS 'Post metadata as each source reported it; core.posts keeps the latest per post.';
COMMENT ON COLUMN raw.post_records.source IS 'export | api.';
COMMENT ON COLUMN raw.post_records.source_key IS 'File hash (export) or pull key (api).';
COMMENT ON COLUMN raw.post_records.source_rank IS 'Export date or fetch time; the latest wins.';
COMMENT ON COLUMN raw.post_records.platform IS 'Platform.';
COMMENT ON COLUMN raw.post_records.account_id IS 'Account id.';
COMMENT ON COLUMN raw.post_records.post_id IS 'Platform post id (text).';
COMMENT ON COLUMN raw.post_records.published_at IS 'Publish time (UTC).';
COMMENT ON COLUMN raw.post_records.post_type IS 'Normalised post type.';
COMMENT ON COLUMN raw.post_records.post_type_raw IS 'Post type as the platform wrote it.';
COMMENT ON COLUMN raw.post_records.permalink IS 'Link to the post.';
COMMENT ON COLUMN raw.post_records.title IS 'Title or first line of the caption.';

CREATE TABLE raw.post_metric_values (
    source VARCHAR NOT NULL,
    source_key VARCHAR NOT NULL,
    source_rank TIMESTAMP NOT NULL,
    platform VARCHAR NOT NULL,
    account_id VARCHAR NOT NULL,
    post_id VARCHAR NOT NULL,
    snapshot_date DATE NOT NULL,
    metric VARCHAR,
    source_metric VARCHAR NOT NULL,
    value DOUBLE
);
COMMENT ON TABLE raw.post_metric_values IS 'Lifetime post counters as of a snapshot date, long format, as each source reported them.';
COMMENT ON COLUMN raw.post_metric_values.source IS 'export | api.';
COMMENT ON COLUMN raw.post_metric_values.source_key IS 'File hash (export) or pull key (api).';
COMMENT ON COLUMN raw.post_metric_values.source_rank IS 'Export date or fetch time; the latest wins.';
COMMENT ON COLUMN raw.post_metric_values.platform IS 'Platform.';
COMMENT ON COLUMN raw.post_metric_values.account_id IS 'Account id.';
COMMENT ON COLUMN raw.post_metric_values.post_id IS 'Platform post id.';
COMMENT ON COLUMN raw.post_metric_values.snapshot_date IS 'Date the lifetime counters were read (a lifetime export is dated by its export date).';
COMMENT ON COLUMN raw.post_metric_values.metric IS 'Canonical metric (a core.post_snapshots column), NULL for lineage-only metrics.';
COMMENT ON COLUMN raw.post_metric_values.source_metric IS 'The platform''s own metric name or export header.';
COMMENT ON COLUMN raw.post_metric_values.value IS 'Lifetime value; NULL for placeholders.';

CREATE TABLE raw.export_coverage (
    source_key VARCHAR NOT NULL,
    platform VARCHAR NOT NULL,
    account_id VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    covers_start DATE NOT NULL,
    covers_end DATE NOT NULL
);
COMMENT ON TABLE raw.export_coverage IS 'Date ranges that per-post sources cover, so days without posts count as 0 posts only where a source covered them.';
COMMENT ON COLUMN raw.export_coverage.source_key IS 'File hash or API pull key.';
COMMENT ON COLUMN raw.export_coverage.platform IS 'Platform.';
COMMENT ON COLUMN raw.export_coverage.account_id IS 'Account id.';
COMMENT ON COLUMN raw.export_coverage.kind IS 'What is covered: posts.';
COMMENT ON COLUMN raw.export_coverage.covers_start IS 'First covered date.';
COMMENT ON COLUMN raw.export_coverage.covers_end IS 'Last covered date (inclusive).';

-- ---------------------------------------------------------------------------------------------
-- core: canonical facts
-- ---------------------------------------------------------------------------------------------

CREATE TABLE core.accounts (
    platform VARCHAR NOT NULL,
    account_id VARCHAR NOT NULL,
    name VARCHAR,
    brand_id VARCHAR NOT NULL,
    is_competitor BOOLEAN NOT NULL,
    timezone VARCHAR NOT NULL,
    in_config BOOLEAN NOT NULL
);
COMMENT ON TABLE core.accounts IS 'Accounts [platform, account_id]: from the config, plus drop-folder accounts missing from it (registered under the first brand, in_config = false).';
COMMENT ON COLUMN core.accounts.platform IS 'Platform (canonical name: x, not twitter).';
COMMENT ON COLUMN core.accounts.account_id IS 'Platform account id.';
COMMENT ON COLUMN core.accounts.name IS 'Display name from the config.';
COMMENT ON COLUMN core.accounts.brand_id IS 'Brand the account belongs to.';
COMMENT ON COLUMN core.accounts.is_competitor IS 'True for a competitor''s account.';
COMMENT ON COLUMN core.accounts.timezone IS 'IANA timezone for local times in this account''s exports.';
COMMENT ON COLUMN core.accounts.in_config IS 'False for accounts found only in the drop folder.';

CREATE TABLE core.follower_anchors (
    platform VARCHAR NOT NULL,
    account_id VARCHAR NOT NULL,
    date DATE NOT NULL,
    followers BIGINT NOT NULL
);
COMMENT ON TABLE core.follower_anchors IS 'Known follower counts from the config (followers_on) [platform, account_id, date]: followers at the end of that day, used to rebuild the series from daily net changes.';
COMMENT ON COLUMN core.follower_anchors.platform IS 'Platform.';
COMMENT ON COLUMN core.follower_anchors.account_id IS 'Account id.';
COMMENT ON COLUMN core.follower_anchors.date IS 'Date of the known count (end of day).';
COMMENT ON COLUMN core.follower_anchors.followers IS 'Follower count at the end of that day.';

CREATE TABLE core.account_daily (
    platform VARCHAR NOT NULL,
    account_id VARCHAR NOT NULL,
    date DATE NOT NULL,
    followers DOUBLE,
    followers_gained DOUBLE,
    followers_lost DOUBLE,
    followers_net_change DOUBLE,
    impressions DOUBLE,
    reach DOUBLE,
    profile_visits DOUBLE,
    video_views DOUBLE,
    likes DOUBLE,
    comments DOUBLE,
    shares DOUBLE,
    link_shares DOUBLE,
    saves DOUBLE,
    engagements DOUBLE,
    platform_engagements DOUBLE,
    clicks DOUBLE,
    link_clicks DOUBLE,
    posts_published DOUBLE,
    source VARCHAR NOT NULL,
    loaded_at TIMESTAMP NOT NULL
);
COMMENT ON TABLE core.account_daily IS 'One row per account and reporting date [platform, account_id, date]. Missing metrics are NULL, never 0.';
COMMENT ON COLUMN core.account_daily.platform IS 'Platform.';
COMMENT ON COLUMN core.account_daily.account_id IS 'Account id.';
COMMENT ON COLUMN core.account_daily.date IS 'Reporting date as the platform reports it.';
COMMENT ON COLUMN core.account_daily.followers IS 'Followers at the end of the day: the platform total, else rebuilt from a known count (followers_on) and daily net changes; NULL otherwise.';
COMMENT ON COLUMN core.account_daily.followers_gained IS 'New followers that day (Meta Follows files: gross new follows).';
COMMENT ON COLUMN core.account_daily.followers_lost IS 'Followers lost that day.';
COMMENT ON COLUMN core.account_daily.followers_net_change IS 'gained - lost when both are known, else the platform''s net figure (YouTube Subscribers, TikTok Net growth).';
COMMENT ON COLUMN core.account_daily.impressions IS 'Times content was shown (Meta Views, X/LinkedIn impressions, YouTube thumbnail impressions). NULL for TikTok.';
COMMENT ON COLUMN core.account_daily.reach IS 'Unique accounts reached that day as the platform reports it.';
COMMENT ON COLUMN core.account_daily.profile_visits IS 'Profile or page visits.';
COMMENT ON COLUMN core.account_daily.video_views IS 'Video plays (YouTube views, TikTok video views, Meta/X video views).';
COMMENT ON COLUMN core.account_daily.likes IS 'Likes including reactions.';
COMMENT ON COLUMN core.account_daily.comments IS 'Comments including replies.';
COMMENT ON COLUMN core.account_daily.shares IS 'Shares including reposts/retweets and quotes.';
COMMENT ON COLUMN core.account_daily.link_shares IS 'Shares by link or message (X Premium Shares).';
COMMENT ON COLUMN core.account_daily.saves IS 'Saves including bookmarks and TikTok favourites.';
COMMENT ON COLUMN core.account_daily.engagements IS 'likes + comments + shares + saves over the components the account''s inputs report (NULL if one of them is missing that day), or the platform total with that meaning (Meta Content interactions).';
COMMENT ON COLUMN core.account_daily.platform_engagements IS 'The platform''s own engagements total where it means something else (X counts clicks and expands).';
COMMENT ON COLUMN core.account_daily.clicks IS 'Clicks on content (X url clicks; link clicks where that is the only click count).';
COMMENT ON COLUMN core.account_daily.link_clicks IS 'Link clicks.';
COMMENT ON COLUMN core.account_daily.posts_published IS 'Posts published that day: the platform figure, else counted from per-post data by publish date in the account timezone (only on days a per-post source covers).';
COMMENT ON COLUMN core.account_daily.source IS 'api | export | mixed: where the day''s values came from (API wins over exports).';
COMMENT ON COLUMN core.account_daily.loaded_at IS 'When the row was written (UTC).';

CREATE TABLE core.posts (
    platform VARCHAR NOT NULL,
    post_id VARCHAR NOT NULL,
    account_id VARCHAR NOT NULL,
    published_at TIMESTAMP,
    published_date DATE,
    post_type VARCHAR,
    post_type_raw VARCHAR,
    permalink VARCHAR,
    title VARCHAR
);
COMMENT ON TABLE core.posts IS 'Posts [platform, post_id], latest metadata from any source.';
COMMENT ON COLUMN core.posts.platform IS 'Platform.';
COMMENT ON COLUMN core.posts.post_id IS 'Platform post id.';
COMMENT ON COLUMN core.posts.account_id IS 'Account that published the post.';
COMMENT ON COLUMN core.posts.published_at IS 'Publish time (UTC).';
COMMENT ON COLUMN core.posts.published_date IS 'Publish date in the account''s timezone.';
COMMENT ON COLUMN core.posts.post_type IS 'post | photo | video | reel | short | story | carousel | link | text | live.';
COMMENT ON COLUMN core.posts.post_type_raw IS 'Post type as the platform wrote it.';
COMMENT ON COLUMN core.posts.permalink IS 'Link to the post.';
COMMENT ON COLUMN core.posts.title IS 'Title or first line of the caption.';

CREATE TABLE core.post_snapshots (
    platform VARCHAR NOT NULL,
    post_id VARCHAR NOT NULL,
    snapshot_date DATE NOT NULL,
    account_id VARCHAR NOT NULL,
    impressions DOUBLE,
    reach DOUBLE,
    views DOUBLE,
    likes DOUBLE,
    comments DOUBLE,
    shares DOUBLE,
    saves DOUBLE,
    clicks DOUBLE
);
COMMENT ON TABLE core.post_snapshots IS 'Lifetime counters of a post as of a date [platform, post_id, snapshot_date].';
COMMENT ON COLUMN core.post_snapshots.platform IS 'Platform.';
COMMENT ON COLUMN core.post_snapshots.post_id IS 'Platform post id.';
COMMENT ON COLUMN core.post_snapshots.snapshot_date IS 'Date the counters were read.';
COMMENT ON COLUMN core.post_snapshots.account_id IS 'Account that published the post.';
COMMENT ON COLUMN core.post_snapshots.impressions IS 'Lifetime impressions (Meta post Views).';
COMMENT ON COLUMN core.post_snapshots.reach IS 'Lifetime unique reach.';
COMMENT ON COLUMN core.post_snapshots.views IS 'Lifetime video plays where the platform reports them (NULL in Meta post exports).';
COMMENT ON COLUMN core.post_snapshots.likes IS 'Lifetime likes including reactions.';
COMMENT ON COLUMN core.post_snapshots.comments IS 'Lifetime comments including replies.';
COMMENT ON COLUMN core.post_snapshots.shares IS 'Lifetime shares including reposts.';
COMMENT ON COLUMN core.post_snapshots.saves IS 'Lifetime saves including bookmarks.';
COMMENT ON COLUMN core.post_snapshots.clicks IS 'Lifetime clicks (Facebook Total clicks, X url clicks).';

CREATE TABLE core.post_daily (
    platform VARCHAR NOT NULL,
    post_id VARCHAR NOT NULL,
    date DATE NOT NULL,
    account_id VARCHAR NOT NULL,
    impressions DOUBLE,
    reach DOUBLE,
    views DOUBLE,
    likes DOUBLE,
    comments DOUBLE,
    shares DOUBLE,
    saves DOUBLE,
    clicks DOUBLE
);
COMMENT ON TABLE core.post_daily IS 'Change of a post''s lifetime counters since its previous snapshot [platform, post_id, date]; dated by the later snapshot. NULL where either snapshot lacks the counter. The first snapshot has no row (no earlier reading).';
COMMENT ON COLUMN core.post_daily.platform IS 'Platform.';
COMMENT ON COLUMN core.post_daily.post_id IS 'Platform post id.';
COMMENT ON COLUMN core.post_daily.date IS 'Snapshot date the change is measured at.';
COMMENT ON COLUMN core.post_daily.account_id IS 'Account that published the post.';
COMMENT ON COLUMN core.post_daily.impressions IS 'Impressions gained since the previous snapshot.';
COMMENT ON COLUMN core.post_daily.reach IS 'Lifetime reach change since the previous snapshot (unique counts: not additive).';
COMMENT ON COLUMN core.post_daily.views IS 'Views gained since the previous snapshot.';
COMMENT ON COLUMN core.post_daily.likes IS 'Likes gained since the previous snapshot.';
COMMENT ON COLUMN core.post_daily.comments IS 'Comments gained since the previous snapshot.';
COMMENT ON COLUMN core.post_daily.shares IS 'Shares gained since the previous snapshot.';
COMMENT ON COLUMN core.post_daily.saves IS 'Saves gained since the previous snapshot.';
COMMENT ON COLUMN core.post_daily.clicks IS 'Clicks gained since the previous snapshot.';

-- ---------------------------------------------------------------------------------------------
-- kpi
-- ---------------------------------------------------------------------------------------------

CREATE TABLE kpi.catalogue (
    kpi VARCHAR NOT NULL,
    category VARCHAR NOT NULL,
    unit VARCHAR NOT NULL,
    formula VARCHAR NOT NULL,
    numerator VARCHAR NOT NULL,
    denominator VARCHAR,
    higher_is_better BOOLEAN NOT NULL,
    indicator VARCHAR NOT NULL,
    aggregation VARCHAR NOT NULL,
    description VARCHAR NOT NULL
);
COMMENT ON TABLE kpi.catalogue IS 'Every KPI [kpi]: what it measures and how it is computed and re-aggregated.';
COMMENT ON COLUMN kpi.catalogue.kpi IS 'KPI name as used in kpi.daily.';
COMMENT ON COLUMN kpi.catalogue.category IS 'reach | engagement | conversion | customer.';
COMMENT ON COLUMN kpi.catalogue.unit IS 'count | percent | ratio | currency | score.';
COMMENT ON COLUMN kpi.catalogue.formula IS 'The formula in words.';
COMMENT ON COLUMN kpi.catalogue.numerator IS 'What the numerator column of kpi.daily holds.';
COMMENT ON COLUMN kpi.catalogue.denominator IS 'What the denominator column holds; NULL for counts.';
COMMENT ON COLUMN kpi.catalogue.higher_is_better IS 'Direction of improvement.';
COMMENT ON COLUMN kpi.catalogue.indicator IS 'leading | lagging.';
COMMENT ON COLUMN kpi.catalogue.aggregation IS 'How days, accounts and platforms roll up (sum, ratio of sums, end of period...).';
COMMENT ON COLUMN kpi.catalogue.description IS 'What the KPI tells the reader.';

CREATE TABLE kpi.daily (
    date DATE NOT NULL,
    brand_id VARCHAR NOT NULL,
    platform VARCHAR NOT NULL,
    account_id VARCHAR NOT NULL,
    kpi VARCHAR NOT NULL,
    value DOUBLE,
    numerator DOUBLE,
    denominator DOUBLE
);
COMMENT ON TABLE kpi.daily IS 'Daily KPI values [date, brand_id, platform, account_id, kpi]. account_id = ''all'': a brand''s accounts on one platform; platform = ''all'' and account_id = ''all'': the brand across platforms.';
COMMENT ON COLUMN kpi.daily.date IS 'Reporting date.';
COMMENT ON COLUMN kpi.daily.brand_id IS 'Brand (or competitor) id.';
COMMENT ON COLUMN kpi.daily.platform IS 'Platform, or ''all'' for the brand rollup.';
COMMENT ON COLUMN kpi.daily.account_id IS 'Account id, or ''all'' for rollups.';
COMMENT ON COLUMN kpi.daily.kpi IS 'KPI name (see kpi.catalogue).';
COMMENT ON COLUMN kpi.daily.value IS 'KPI value; NULL when an input is missing that day or the denominator is zero or unknown.';
COMMENT ON COLUMN kpi.daily.numerator IS 'Numerator; for counts equal to the value.';
COMMENT ON COLUMN kpi.daily.denominator IS 'Denominator; NULL for counts.';
