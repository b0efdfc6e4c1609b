-- Orders and conversions fetched from exchange-style PSPs (FETCH_ORDERS, FETCH_CONVERSIONS), read-only.
-- Amounts, quantities and prices are integers in minor units of their asset (NUMERIC, exact).

-- An order holds its newest observation; updated_at is that observation's time, so a late, older
-- observation never overwrites a newer one.
CREATE TABLE orders (
  id text PRIMARY KEY,
  connector_id text NOT NULL REFERENCES connectors (id) ON DELETE CASCADE,
  reference text NOT NULL,
  client_order_id text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  direction text NOT NULL,
  source_asset text NOT NULL,
  destination_asset text NOT NULL,
  type text NOT NULL,
  status text NOT NULL,
  base_quantity_ordered numeric NOT NULL,
  base_quantity_filled numeric,
  limit_price numeric,
  stop_price numeric,
  price_asset text,
  average_fill_price numeric,
  time_in_force text NOT NULL,
  expires_at timestamptz,
  quote_amount numeric,
  quote_asset text,
  fee numeric,
  fee_asset text,
  error text,
  source_account_id text,
  destination_account_id text,
  metadata jsonb NOT NULL DEFAULT '{}',
  raw jsonb NOT NULL,
  sort_id bigserial NOT NULL
);
CREATE INDEX orders_list ON orders (created_at DESC, sort_id DESC);
CREATE INDEX orders_connector ON orders (connector_id);

-- One row per distinct (status, filled quantity, fee) an order was seen in; replays insert nothing.
CREATE TABLE order_adjustments (
  id text PRIMARY KEY,
  order_id text NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  connector_id text NOT NULL,
  reference text NOT NULL,
  created_at timestamptz NOT NULL,
  status text NOT NULL,
  base_quantity_filled numeric,
  fee numeric,
  fee_asset text,
  metadata jsonb NOT NULL DEFAULT '{}',
  raw jsonb NOT NULL,
  sort_id bigserial NOT NULL
);
CREATE INDEX order_adjustments_order ON order_adjustments (order_id, created_at, sort_id);
CREATE INDEX order_adjustments_connector ON order_adjustments (connector_id);

-- A conversion has no history: the row is its newest observation.
CREATE TABLE conversions (
  id text PRIMARY KEY,
  connector_id text NOT NULL REFERENCES connectors (id) ON DELETE CASCADE,
  reference text NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  source_asset text NOT NULL,
  destination_asset text NOT NULL,
  source_amount numeric NOT NULL,
  destination_amount numeric,
  fee numeric,
  fee_asset text,
  status text NOT NULL,
  error text,
  source_account_id text,
  destination_account_id text,
  metadata jsonb NOT NULL DEFAULT '{}',
  raw jsonb NOT NULL,
  sort_id bigserial NOT NULL
);
CREATE INDEX conversions_list ON conversions (created_at DESC, sort_id DESC);
CREATE INDEX conversions_connector ON conversions (connector_id);
