-- Pools: named sets of internal accounts whose balances are read together. A STATIC pool lists its
-- accounts; a DYNAMIC pool stores a filter over accounts and is resolved when it is read.
CREATE TABLE pools (
  id text PRIMARY KEY,
  name text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  type text NOT NULL CHECK (type IN ('STATIC', 'DYNAMIC')),
  query jsonb,
  sort_id bigserial NOT NULL
);
CREATE INDEX pools_list ON pools (created_at DESC, sort_id DESC);

-- Removing an account (its connector uninstalled) removes it from the pools it was in.
CREATE TABLE pool_accounts (
  pool_id text NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
  account_id text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  PRIMARY KEY (pool_id, account_id)
);
CREATE INDEX pool_accounts_account ON pool_accounts (account_id);
