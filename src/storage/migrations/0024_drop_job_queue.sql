-- Work is claimed from the engine's own tables (schedules, webhooks, payment_initiations, background_jobs),
-- woken by NOTIFY: the pg-boss job queue and its schema are no longer used. Jobs still queued there were
-- only wake-ups; the rows they pointed at carry their own due times.
DROP SCHEMA IF EXISTS pgboss CASCADE;
