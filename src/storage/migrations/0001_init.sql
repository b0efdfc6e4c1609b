-- Paybridge schema, version 1: connectors, their task schedules and runs, and the ingested PSP data.

CREATE TABLE connectors (
  id text PRIMARY KEY,
  reference uuid NOT NULL,
  provider text NOT NULL,
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  -- The whole validated config, AES-256-GCM encrypted in the application (secrets included).
  config_encrypted text NOT NULL,
  -- Copies of the non-secret settings the scheduler needs on every run, so it never decrypts.
  polling_period_ms bigint NOT NULL,
  page_size integer NOT NULL,
  task_tree jsonb NOT NULL,
  scheduled_for_deletion boolean NOT NULL DEFAULT false,
  sort_id bigserial NOT NULL
);
-- A name is unique among live connectors; an uninstalling one frees its name at once.
CREATE UNIQUE INDEX connectors_live_name ON connectors (name) WHERE NOT scheduled_for_deletion;
CREATE INDEX connectors_list ON connectors (created_at DESC, sort_id DESC);

-- One row per node of a connector's task tree and per parent item: the schedule, its cursor and its lease.
CREATE TABLE schedules (
  id text PRIMARY KEY,
  connector_id text NOT NULL REFERENCES connectors (id) ON DELETE CASCADE,
  node_path text NOT NULL,
  parent_id text NOT NULL DEFAULT '',
  task_type text NOT NULL,
  periodic boolean NOT NULL,
  from_payload jsonb,
  state jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  next_run_at timestamptz,
  lease_until timestamptz,
  lease_instance_id text,
  consecutive_failures integer NOT NULL DEFAULT 0,
  paused_at timestamptz,
  paused_reason text,
  sort_id bigserial NOT NULL,
  UNIQUE (connector_id, node_path, parent_id)
);
CREATE INDEX schedules_list ON schedules (connector_id, created_at DESC, sort_id DESC);

-- One row per run of a schedule.
CREATE TABLE schedule_instances (
  id text PRIMARY KEY,
  schedule_id text NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
  connector_id text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  terminated boolean NOT NULL DEFAULT false,
  terminated_at timestamptz,
  error text,
  pages integer NOT NULL DEFAULT 0,
  items integer NOT NULL DEFAULT 0,
  -- PSP records that failed validation and were skipped (the rest of the page still committed).
  skipped integer NOT NULL DEFAULT 0,
  sort_id bigserial NOT NULL
);
CREATE INDEX schedule_instances_list ON schedule_instances (schedule_id, created_at DESC, sort_id DESC);

-- Background work the API hands out an id for (uninstall, …). Kept after its connector is gone.
CREATE TABLE tasks (
  id text PRIMARY KEY,
  connector_id text,
  status text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  created_object_id text,
  error text,
  sort_id bigserial NOT NULL
);

CREATE TABLE accounts (
  id text PRIMARY KEY,
  connector_id text NOT NULL REFERENCES connectors (id) ON DELETE CASCADE,
  reference text NOT NULL,
  type text NOT NULL,
  created_at timestamptz NOT NULL,
  name text,
  default_asset text,
  metadata jsonb NOT NULL DEFAULT '{}',
  raw jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  sort_id bigserial NOT NULL
);
CREATE INDEX accounts_list ON accounts (created_at DESC, sort_id DESC);
CREATE INDEX accounts_connector ON accounts (connector_id);

-- Balance history as intervals: a row holds one value from created_at until last_updated_at.
CREATE TABLE balances (
  account_id text NOT NULL,
  asset text NOT NULL,
  created_at timestamptz NOT NULL,
  last_updated_at timestamptz NOT NULL,
  balance numeric NOT NULL,
  connector_id text NOT NULL REFERENCES connectors (id) ON DELETE CASCADE,
  sort_id bigserial NOT NULL,
  PRIMARY KEY (account_id, asset, created_at)
);
CREATE INDEX balances_connector ON balances (connector_id);

CREATE TABLE payments (
  id text PRIMARY KEY,
  connector_id text NOT NULL REFERENCES connectors (id) ON DELETE CASCADE,
  reference text NOT NULL,
  type text NOT NULL,
  created_at timestamptz NOT NULL,
  initial_amount numeric NOT NULL,
  amount numeric NOT NULL,
  asset text NOT NULL,
  scheme text NOT NULL,
  -- The status of the newest adjustment, and that adjustment's time: a late, older adjustment never wins.
  status text NOT NULL,
  status_at timestamptz NOT NULL,
  source_account_id text,
  destination_account_id text,
  metadata jsonb NOT NULL DEFAULT '{}',
  updated_at timestamptz NOT NULL DEFAULT now(),
  sort_id bigserial NOT NULL
);
CREATE INDEX payments_list ON payments (created_at DESC, sort_id DESC);
CREATE INDEX payments_connector ON payments (connector_id);
CREATE INDEX payments_source ON payments (source_account_id);
CREATE INDEX payments_destination ON payments (destination_account_id);

CREATE TABLE payment_adjustments (
  id text PRIMARY KEY,
  payment_id text NOT NULL REFERENCES payments (id) ON DELETE CASCADE,
  connector_id text NOT NULL,
  reference text NOT NULL,
  created_at timestamptz NOT NULL,
  status text NOT NULL,
  amount numeric,
  asset text,
  metadata jsonb NOT NULL DEFAULT '{}',
  raw jsonb NOT NULL,
  sort_id bigserial NOT NULL
);
CREATE INDEX payment_adjustments_payment ON payment_adjustments (payment_id, created_at DESC, sort_id DESC);
CREATE INDEX payment_adjustments_connector ON payment_adjustments (connector_id);
