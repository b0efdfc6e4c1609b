-- Webhook deliveries are their own queue (no job per delivery): a worker claims the due ones in batches
-- with FOR UPDATE SKIP LOCKED and, in the same statement, pushes due_at forward by its lease. A delivery
-- that waits is RECEIVED with due_at <= now(); a claimed one has due_at = the end of its lease, so a dead
-- worker's deliveries fall due again when the lease ends; a failed attempt sets due_at to its retry time.
ALTER TABLE webhooks ADD COLUMN due_at timestamptz NOT NULL DEFAULT now();
DROP INDEX webhooks_waiting;
CREATE INDEX webhooks_due ON webhooks (due_at) WHERE status = 'RECEIVED';
