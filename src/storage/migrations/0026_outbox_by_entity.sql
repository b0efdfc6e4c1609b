-- A payment's event timeline (GET /v3/payments/{id}/events) reads the outbox by entity, newest first,
-- whatever the delivery state; the partial index for pending events does not cover sent ones.
CREATE INDEX outbox_events_entity ON outbox_events (entity_id, seq);
