-- Payment initiations: transfers and payouts asked for through the API, and their reversals.
--
-- The current status is a column, changed only by guarded updates (UPDATE ... WHERE status IN (...)), so
-- two concurrent approvals cannot both win. The work a worker still owes an initiation (call the PSP,
-- poll it, reverse) is described by the row itself: `next_run_at` says when, the lease says who holds it.
CREATE TABLE payment_initiations (
  id text PRIMARY KEY,
  connector_id text NOT NULL REFERENCES connectors (id) ON DELETE CASCADE,
  reference text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  scheduled_at timestamptz,
  description text NOT NULL DEFAULT '',
  type text NOT NULL,
  source_account_id text,
  destination_account_id text,
  amount numeric NOT NULL,
  asset text NOT NULL,
  metadata jsonb NOT NULL DEFAULT '{}',
  status text NOT NULL,
  -- The last error, shown on the initiation until a later step succeeds.
  error text,
  -- Each approval or retry is a new attempt with its own idempotency key and task.
  attempt integer NOT NULL DEFAULT 0,
  task_id text,
  -- Set when the PSP answered with an id to poll instead of a payment.
  polling_id text,
  -- How many times the current step has been tried (PSP call or poll); drives the backoff.
  tries integer NOT NULL DEFAULT 0,
  -- When the current step gives up on an unknown outcome (it is never turned into FAILED on a guess).
  deadline_at timestamptz,
  next_run_at timestamptz,
  lease_until timestamptz,
  lease_token text,
  -- The reversal in flight (status REVERSE_PROCESSING), and the total reversed so far.
  reversal_id text,
  reversed_amount numeric NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now(),
  sort_id bigserial NOT NULL
);
CREATE INDEX payment_initiations_list ON payment_initiations (created_at DESC, sort_id DESC);
CREATE INDEX payment_initiations_due ON payment_initiations (next_run_at) WHERE next_run_at IS NOT NULL;
CREATE INDEX payment_initiations_polling ON payment_initiations (connector_id, polling_id)
  WHERE polling_id IS NOT NULL;

-- Every status an initiation went through, in order (sort_id), newest last.
CREATE TABLE payment_initiation_adjustments (
  id text PRIMARY KEY,
  payment_initiation_id text NOT NULL REFERENCES payment_initiations (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  status text NOT NULL,
  amount numeric,
  asset text,
  error text,
  metadata jsonb NOT NULL DEFAULT '{}',
  sort_id bigserial NOT NULL
);
CREATE INDEX payment_initiation_adjustments_of ON payment_initiation_adjustments (payment_initiation_id, sort_id DESC);

-- The payments an initiation produced at the PSP (the transfer or payout, and its refunds).
CREATE TABLE payment_initiation_related_payments (
  payment_initiation_id text NOT NULL REFERENCES payment_initiations (id) ON DELETE CASCADE,
  payment_id text NOT NULL REFERENCES payments (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  sort_id bigserial NOT NULL,
  PRIMARY KEY (payment_initiation_id, payment_id)
);
CREATE INDEX payment_initiation_related_payments_payment ON payment_initiation_related_payments (payment_id);

CREATE TABLE payment_initiation_reversals (
  id text PRIMARY KEY,
  payment_initiation_id text NOT NULL REFERENCES payment_initiations (id) ON DELETE CASCADE,
  reference text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  description text NOT NULL DEFAULT '',
  amount numeric NOT NULL,
  asset text NOT NULL,
  metadata jsonb NOT NULL DEFAULT '{}',
  -- PROCESSING, PROCESSED or FAILED
  status text NOT NULL,
  error text,
  task_id text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
