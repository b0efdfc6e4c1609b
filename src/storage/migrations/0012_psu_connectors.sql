-- The connectors a payment service user was forwarded to (Formance's "open banking forwarded users"):
-- the connector created the user at its PSP. A PSU's row goes with the PSU, and a connector's rows with
-- the connector, once the background work has deleted the users at the PSP.
CREATE TABLE payment_service_user_connectors (
  psu_id text NOT NULL REFERENCES payment_service_users (id) ON DELETE CASCADE,
  connector_id text NOT NULL REFERENCES connectors (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- What the connector answered (the PSP's user id, tokens…): a JSON object sealed with the service key;
  -- null when it answered nothing.
  metadata_sealed text,
  PRIMARY KEY (psu_id, connector_id)
);
-- Deleting a connector cascades through this index rather than a scan.
CREATE INDEX payment_service_user_connectors_connector ON payment_service_user_connectors (connector_id);
