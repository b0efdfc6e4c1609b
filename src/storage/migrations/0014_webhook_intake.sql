-- Webhook intake: deliveries of connectors that verify locally are verified before they are stored, and
-- stored with the time of that verification (the job does not verify them again). Deliveries of
-- connectors that verify over the network are stored unverified, within a per-connector cap that the
-- intake counts (bounded) on the partial index below.
ALTER TABLE webhooks ADD COLUMN verified_at timestamptz;
CREATE INDEX webhooks_unverified ON webhooks (connector_id) WHERE status = 'RECEIVED' AND verified_at IS NULL;
