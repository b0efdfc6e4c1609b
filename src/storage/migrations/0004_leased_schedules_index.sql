-- Counting a connector's running schedules (for maxConcurrentRuns) must not scan all of its schedules:
-- leases are cleared when a run ends, so this index holds only the runs in progress.
CREATE INDEX schedules_leased ON schedules (connector_id, lease_until) WHERE lease_until IS NOT NULL;
