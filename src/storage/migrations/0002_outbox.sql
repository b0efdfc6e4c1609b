-- The transactional outbox: events are written in the same transaction as the rows they describe and
-- published afterwards, in order per entity. Rows outlive their connector (no cascade), so an uninstall
-- never drops events that were not delivered yet.

CREATE TABLE outbox_events (
  id text PRIMARY KEY,
  seq bigserial NOT NULL,
  connector_id text,
  entity_id text NOT NULL,
  type text NOT NULL,
  payload jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- PENDING until delivered (SENT); DEAD once its attempts ran out.
  status text NOT NULL DEFAULT 'PENDING',
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_error text,
  sent_at timestamptz
);
CREATE INDEX outbox_events_pending ON outbox_events (seq) WHERE status = 'PENDING';
CREATE INDEX outbox_events_entity_pending ON outbox_events (entity_id, seq) WHERE status = 'PENDING';
CREATE INDEX outbox_events_sent ON outbox_events (sent_at) WHERE status = 'SENT';
