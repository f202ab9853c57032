-- Quarantined export files (raw.export_files, in the warehouse only: raw is not in the snapshot)
-- as the warehouse holds them now. Parameters: none.
SELECT path, platform, account_id, reason, loaded_at
FROM raw.export_files
WHERE status = 'quarantined'
ORDER BY path
