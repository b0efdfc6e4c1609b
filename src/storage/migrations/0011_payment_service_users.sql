-- Payment service users (PSUs): the people or companies on whose behalf bank accounts are held. Their
-- contact details and postal address are personal data, so the application seals them together as one
-- JSON value (AES-256-GCM with a key id); nothing of them is stored in plain columns.
CREATE TABLE payment_service_users (
  id text PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  name text NOT NULL,
  -- {"contactDetails"?: {...}, "address"?: {...}} sealed; null when the PSU was given neither.
  details_sealed text,
  metadata jsonb NOT NULL DEFAULT '{}',
  sort_id bigserial NOT NULL
);
CREATE INDEX payment_service_users_list ON payment_service_users (created_at DESC, sort_id DESC);

-- A bank account belongs to at most one PSU (as in Formance); deleting the PSU leaves its bank accounts
-- in place, unlinked.
ALTER TABLE bank_accounts
  ADD COLUMN psu_id text REFERENCES payment_service_users (id) ON DELETE SET NULL;
CREATE INDEX bank_accounts_psu ON bank_accounts (psu_id) WHERE psu_id IS NOT NULL;
