-- Webhooks: the endpoints connectors registered at their PSP, and every delivery received on them.
--
-- A config's metadata holds what verifying needs (the signing secret): it is sealed by the application.
CREATE TABLE webhook_configs (
  connector_id text NOT NULL REFERENCES connectors (id) ON DELETE CASCADE,
  name text NOT NULL,
  url_path text NOT NULL,
  metadata_sealed text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (connector_id, name)
);
CREATE UNIQUE INDEX webhook_configs_path ON webhook_configs (connector_id, url_path);

-- A delivery is stored as received before it is acknowledged; a job verifies and translates it.
-- RECEIVED → PROCESSED | DUPLICATE (a replay: nothing to do) | REJECTED (signature) | FAILED (retries spent).
CREATE TABLE webhooks (
  id text PRIMARY KEY,
  connector_id text NOT NULL REFERENCES connectors (id) ON DELETE CASCADE,
  config_name text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  method text NOT NULL,
  headers jsonb,
  query jsonb,
  body bytea,
  status text NOT NULL DEFAULT 'RECEIVED',
  attempts integer NOT NULL DEFAULT 0,
  error text,
  idempotency_key text,
  processed_at timestamptz,
  sort_id bigserial NOT NULL
);
CREATE INDEX webhooks_list ON webhooks (connector_id, received_at DESC, sort_id DESC);
CREATE INDEX webhooks_received ON webhooks (received_at);
CREATE INDEX webhooks_waiting ON webhooks (received_at) WHERE status = 'RECEIVED';

-- The de-duplication ledger: a delivery whose key is here already changes nothing.
CREATE TABLE webhook_keys (
  connector_id text NOT NULL REFERENCES connectors (id) ON DELETE CASCADE,
  idempotency_key text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (connector_id, idempotency_key)
);
CREATE INDEX webhook_keys_created ON webhook_keys (created_at);
