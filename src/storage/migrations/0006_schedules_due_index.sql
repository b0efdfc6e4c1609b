-- The sweeper looks for overdue schedules every minute; keep that an index range scan at any size.
CREATE INDEX schedules_due ON schedules (next_run_at) WHERE paused_at IS NULL;
