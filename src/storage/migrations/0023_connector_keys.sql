-- Ready to shard by connector. Every connector-scoped table gets connector_id into its primary key and
-- into every foreign key that joins it to another connector-scoped table, so a distributed PostgreSQL
-- (Citus) can place all of a connector's rows on one shard and enforce each key there. The ids already
-- encode their connector, so (id, connector_id) is exactly as unique as id was; the key leads with id so
-- lookups by id alone keep using it. The global tables (connectors, pools, bank accounts, PSUs, tasks,
-- outbox, auth, audit) are unchanged: see docs/scaling.md and test/storage/distribution-ready.test.ts.

-- Child tables that lacked connector_id take it from their parent.
ALTER TABLE pool_accounts ADD COLUMN connector_id text;
UPDATE pool_accounts p SET connector_id = a.connector_id FROM accounts a WHERE a.id = p.account_id;
ALTER TABLE pool_accounts ALTER COLUMN connector_id SET NOT NULL;

ALTER TABLE payment_initiation_adjustments ADD COLUMN connector_id text;
UPDATE payment_initiation_adjustments c SET connector_id = i.connector_id
  FROM payment_initiations i WHERE i.id = c.payment_initiation_id;
ALTER TABLE payment_initiation_adjustments ALTER COLUMN connector_id SET NOT NULL;

ALTER TABLE payment_initiation_related_payments ADD COLUMN connector_id text;
UPDATE payment_initiation_related_payments c SET connector_id = i.connector_id
  FROM payment_initiations i WHERE i.id = c.payment_initiation_id;
ALTER TABLE payment_initiation_related_payments ALTER COLUMN connector_id SET NOT NULL;

ALTER TABLE payment_initiation_reversals ADD COLUMN connector_id text;
UPDATE payment_initiation_reversals c SET connector_id = i.connector_id
  FROM payment_initiations i WHERE i.id = c.payment_initiation_id;
ALTER TABLE payment_initiation_reversals ALTER COLUMN connector_id SET NOT NULL;

-- The foreign keys that pointed at a key on id alone go first, then the keys change, then they return
-- with connector_id on both sides (same actions as before).
ALTER TABLE schedule_instances DROP CONSTRAINT schedule_instances_schedule_id_fkey;
ALTER TABLE schedules DROP CONSTRAINT schedules_parent_schedule_id_fkey;
ALTER TABLE payment_adjustments DROP CONSTRAINT payment_adjustments_payment_id_fkey;
ALTER TABLE pool_accounts DROP CONSTRAINT pool_accounts_account_id_fkey;
ALTER TABLE bank_account_related_accounts DROP CONSTRAINT bank_account_related_accounts_account_id_fkey;
ALTER TABLE payment_initiation_adjustments DROP CONSTRAINT payment_initiation_adjustments_payment_initiation_id_fkey;
ALTER TABLE payment_initiation_related_payments
  DROP CONSTRAINT payment_initiation_related_payments_payment_initiation_id_fkey,
  DROP CONSTRAINT payment_initiation_related_payments_payment_id_fkey;
ALTER TABLE payment_initiation_reversals DROP CONSTRAINT payment_initiation_reversals_payment_initiation_id_fkey;
ALTER TABLE order_adjustments DROP CONSTRAINT order_adjustments_order_id_fkey;

ALTER TABLE schedules DROP CONSTRAINT schedules_pkey, ADD PRIMARY KEY (id, connector_id);
ALTER TABLE schedule_instances DROP CONSTRAINT schedule_instances_pkey, ADD PRIMARY KEY (id, connector_id);
ALTER TABLE accounts DROP CONSTRAINT accounts_pkey, ADD PRIMARY KEY (id, connector_id);
ALTER TABLE balances DROP CONSTRAINT balances_pkey, ADD PRIMARY KEY (account_id, asset, created_at, connector_id);
ALTER TABLE payments DROP CONSTRAINT payments_pkey, ADD PRIMARY KEY (id, connector_id);
ALTER TABLE payment_adjustments DROP CONSTRAINT payment_adjustments_pkey, ADD PRIMARY KEY (id, connector_id);
ALTER TABLE pool_accounts DROP CONSTRAINT pool_accounts_pkey, ADD PRIMARY KEY (pool_id, account_id, connector_id);
ALTER TABLE bank_account_related_accounts
  DROP CONSTRAINT bank_account_related_accounts_pkey, ADD PRIMARY KEY (bank_account_id, account_id, connector_id);
ALTER TABLE payment_initiations DROP CONSTRAINT payment_initiations_pkey, ADD PRIMARY KEY (id, connector_id);
ALTER TABLE payment_initiation_adjustments
  DROP CONSTRAINT payment_initiation_adjustments_pkey, ADD PRIMARY KEY (id, connector_id);
ALTER TABLE payment_initiation_related_payments
  DROP CONSTRAINT payment_initiation_related_payments_pkey,
  ADD PRIMARY KEY (payment_initiation_id, payment_id, connector_id);
ALTER TABLE payment_initiation_reversals
  DROP CONSTRAINT payment_initiation_reversals_pkey, ADD PRIMARY KEY (id, connector_id);
ALTER TABLE webhooks DROP CONSTRAINT webhooks_pkey, ADD PRIMARY KEY (id, connector_id);
ALTER TABLE orders DROP CONSTRAINT orders_pkey, ADD PRIMARY KEY (id, connector_id);
ALTER TABLE order_adjustments DROP CONSTRAINT order_adjustments_pkey, ADD PRIMARY KEY (id, connector_id);
ALTER TABLE conversions DROP CONSTRAINT conversions_pkey, ADD PRIMARY KEY (id, connector_id);

ALTER TABLE schedule_instances ADD FOREIGN KEY (schedule_id, connector_id)
  REFERENCES schedules (id, connector_id) ON DELETE CASCADE;
ALTER TABLE schedules ADD FOREIGN KEY (parent_schedule_id, connector_id)
  REFERENCES schedules (id, connector_id) ON DELETE CASCADE;
ALTER TABLE payment_adjustments ADD FOREIGN KEY (payment_id, connector_id)
  REFERENCES payments (id, connector_id) ON DELETE CASCADE;
ALTER TABLE pool_accounts ADD FOREIGN KEY (account_id, connector_id)
  REFERENCES accounts (id, connector_id) ON DELETE CASCADE;
ALTER TABLE bank_account_related_accounts ADD FOREIGN KEY (account_id, connector_id)
  REFERENCES accounts (id, connector_id) ON DELETE CASCADE;
ALTER TABLE payment_initiation_adjustments ADD FOREIGN KEY (payment_initiation_id, connector_id)
  REFERENCES payment_initiations (id, connector_id) ON DELETE CASCADE;
ALTER TABLE payment_initiation_related_payments
  ADD FOREIGN KEY (payment_initiation_id, connector_id)
    REFERENCES payment_initiations (id, connector_id) ON DELETE CASCADE,
  ADD FOREIGN KEY (payment_id, connector_id) REFERENCES payments (id, connector_id) ON DELETE CASCADE;
ALTER TABLE payment_initiation_reversals ADD FOREIGN KEY (payment_initiation_id, connector_id)
  REFERENCES payment_initiations (id, connector_id) ON DELETE CASCADE;
ALTER TABLE order_adjustments ADD FOREIGN KEY (order_id, connector_id)
  REFERENCES orders (id, connector_id) ON DELETE CASCADE;
