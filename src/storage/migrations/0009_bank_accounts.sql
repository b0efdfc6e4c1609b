-- Bank accounts created through the API. The account number, IBAN and BIC are sealed by the application
-- (AES-256-GCM with a key id); the masked forms the API and events show are kept beside them, so reads
-- never decrypt anything.
CREATE TABLE bank_accounts (
  id text PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  name text NOT NULL,
  account_number_sealed text,
  account_number_masked text,
  iban_sealed text,
  iban_masked text,
  swift_bic_code_sealed text,
  swift_bic_code_masked text,
  country text,
  metadata jsonb NOT NULL DEFAULT '{}',
  sort_id bigserial NOT NULL
);
CREATE INDEX bank_accounts_list ON bank_accounts (created_at DESC, sort_id DESC);

-- The accounts a bank account became at connectors (forwarding); gone with the account or the bank account.
CREATE TABLE bank_account_related_accounts (
  bank_account_id text NOT NULL REFERENCES bank_accounts (id) ON DELETE CASCADE,
  account_id text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  connector_id text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (bank_account_id, account_id)
);
