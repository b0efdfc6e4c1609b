-- Schedules are the work queue: a worker claims the due ones (next_run_at <= now(), not paused, lease free
-- or expired) in next_run_at order, and learns when the next one falls due from the same index. Schedules
-- that will not run again (a finished one-shot child: next_run_at NULL) stay out of it.
DROP INDEX IF EXISTS schedules_due;
CREATE INDEX schedules_claimable ON schedules (next_run_at) WHERE paused_at IS NULL AND next_run_at IS NOT NULL;
