-- Warnings of a run: what the run did not stop for but an operator should know (a task state its connector
-- no longer reads, so the task restarted from scratch; PSP values mapped to OTHER). Distinct, in the order
-- they came, at most 50 of at most 500 characters each (the engine trims; the checks hold the bound).
ALTER TABLE schedule_instances
  ADD COLUMN warnings text[] NOT NULL DEFAULT '{}',
  ADD CONSTRAINT schedule_instances_warnings_bounded CHECK (cardinality(warnings) <= 50);
