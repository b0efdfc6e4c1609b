-- Per-connector limits that hold across every worker process: concurrent runs, and PSP calls per second.

ALTER TABLE connectors
  ADD COLUMN max_concurrent_runs integer,
  ADD COLUMN calls_per_second double precision;

-- A token bucket per rate-limited connector, refilled continuously at calls_per_second.
CREATE TABLE connector_call_budgets (
  connector_id text PRIMARY KEY REFERENCES connectors (id) ON DELETE CASCADE,
  tokens double precision NOT NULL,
  refilled_at timestamptz NOT NULL
);
