-- Background jobs of the rare kinds (bank-account forwards, payment-service-user deletions at PSPs,
-- connector removal) and the recurring housekeeping: the table is the queue. A worker claims due rows in
-- one statement (FOR UPDATE SKIP LOCKED) that also takes their leases; a dead worker's job comes back when
-- its lease expires. Rows hold ids only (never a secret, never a copy of what the job reads).
CREATE TABLE background_jobs (
  -- The task the job works for (one job per task), or the name of a recurring job.
  id text PRIMARY KEY,
  kind text NOT NULL,
  -- Ids only: which bank account, connector, payment service user.
  payload jsonb NOT NULL DEFAULT '{}',
  -- Recurring jobs are rescheduled after each run, never finished.
  recurring boolean NOT NULL DEFAULT false,
  run_at timestamptz NOT NULL DEFAULT now(),
  -- Tries of the current request (drives the backoff); when it was first tried (drives the deadline).
  tries integer NOT NULL DEFAULT 0,
  first_try_at timestamptz NOT NULL DEFAULT now(),
  lease_until timestamptz,
  lease_token text,
  -- Bumped by every new request for the same job, so a run that started before it does not finish it.
  generation integer NOT NULL DEFAULT 0,
  last_error text,
  -- Set when the job is over; kept a while for inspection, then deleted by the housekeeping.
  finished_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX background_jobs_due ON background_jobs (run_at) WHERE finished_at IS NULL;
CREATE INDEX background_jobs_finished ON background_jobs (finished_at) WHERE finished_at IS NOT NULL;

-- Once a minute, exactly one worker runs the sweeps and the retention deletes.
INSERT INTO background_jobs (id, kind, recurring) VALUES ('housekeeping', 'housekeeping', true);
