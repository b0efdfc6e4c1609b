-- Finished runs are deleted after a retention period, once a minute; keep that an index range scan.
CREATE INDEX schedule_instances_finished ON schedule_instances (terminated_at) WHERE terminated;
