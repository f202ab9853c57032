-- Every alert delivery attempt (pipelines/alerts.py): what was sent where, so nothing is sent
-- twice and a failed delivery is retried on the next sensor tick.
CREATE TABLE meta.alerts_sent (
    attempted_at TIMESTAMP NOT NULL,
    brand_id VARCHAR NOT NULL,
    rule VARCHAR NOT NULL,
    scope VARCHAR NOT NULL,
    date DATE NOT NULL,
    channel VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    attempt INTEGER NOT NULL,
    digest_id VARCHAR NOT NULL,
    reason VARCHAR NOT NULL,
    error VARCHAR,
    run_id VARCHAR,
    details JSON NOT NULL
);
COMMENT ON TABLE meta.alerts_sent IS 'Alert delivery attempts, append-only [rule, scope, date, channel, attempt]. An alert with a sent row is never sent again; one whose attempts all failed is retried on the next tick.';
COMMENT ON COLUMN meta.alerts_sent.attempted_at IS 'When the delivery was attempted (UTC).';
COMMENT ON COLUMN meta.alerts_sent.brand_id IS 'Brand whose digest carried the alert.';
COMMENT ON COLUMN meta.alerts_sent.rule IS 'anomaly | target_status | api_failing | api_stale | quarantine.';
COMMENT ON COLUMN meta.alerts_sent.scope IS 'What the alert is about: brand/platform/account/kpi (anomaly), target id (target_status), platform/account (api_*), file path (quarantine).';
COMMENT ON COLUMN meta.alerts_sent.date IS 'Date the alert is about: the KPI date, the date a target status turned, the last date with API data, or the day a file or API failure was logged (reporting timezone).';
COMMENT ON COLUMN meta.alerts_sent.channel IS 'slack | email.';
COMMENT ON COLUMN meta.alerts_sent.status IS 'sent | failed.';
COMMENT ON COLUMN meta.alerts_sent.attempt IS 'Attempt number of this alert on this channel (1 = first).';
COMMENT ON COLUMN meta.alerts_sent.digest_id IS 'Id of the digest message the alert was part of (one per brand, channel and tick).';
COMMENT ON COLUMN meta.alerts_sent.reason IS 'The one-line reason shown in the message.';
COMMENT ON COLUMN meta.alerts_sent.error IS 'Why the delivery failed (HTTP status or SMTP error, secrets removed); NULL when sent.';
COMMENT ON COLUMN meta.alerts_sent.run_id IS 'Dagster run whose completion triggered the evaluation, or NULL (retry tick, CLI).';
COMMENT ON COLUMN meta.alerts_sent.details IS 'The alert as shown (title, reason, facts), so a failed delivery is re-sent as it was; never holds a secret.';
