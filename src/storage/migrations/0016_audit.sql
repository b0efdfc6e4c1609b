-- The audit trail: one row per write request (anything but GET and HEAD) that matched a route, except PSP
-- webhook deliveries (kept in their own table). Who (token subject and client), what (method, route
-- pattern, the ids in the path), the outcome (status) and the request id. Never bodies, queries or headers.
CREATE TABLE audit_records (
  id text PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  subject text,
  client_id text,
  method text NOT NULL,
  route text NOT NULL,
  path_ids jsonb NOT NULL,
  status_code integer NOT NULL,
  request_id text NOT NULL,
  sort_id bigserial NOT NULL
);
CREATE INDEX audit_records_list ON audit_records (created_at DESC, sort_id DESC);
