-- Authentication: the API clients Paybridge issues tokens to, and the keys it signs those tokens with.

-- A client authenticates with its id and a secret shown once at creation. Only a SHA-256 of the secret is
-- kept: the secret is 256 random bits, so there is no dictionary to try and a slow hash would add nothing.
CREATE TABLE auth_clients (
  id text PRIMARY KEY,
  name text NOT NULL,
  secret_hash text NOT NULL,
  -- Space-separated, as OAuth 2.0 writes scopes.
  scope text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz,
  sort_id bigserial NOT NULL
);

-- Token signing keys. One key is active (retired_at IS NULL); a retired key stays published in the JWKS
-- until every token it signed has expired. The private key is sealed by the application, and dropped
-- when the key retires: a retired key never signs again.
CREATE TABLE auth_signing_keys (
  kid text PRIMARY KEY,
  alg text NOT NULL,
  public_jwk jsonb NOT NULL,
  private_key_sealed text,
  created_at timestamptz NOT NULL DEFAULT now(),
  retired_at timestamptz
);
-- At most one active key, whatever several processes starting together or rotating at once attempt.
CREATE UNIQUE INDEX auth_signing_keys_one_active ON auth_signing_keys ((true)) WHERE retired_at IS NULL;
