-- Each child schedule remembers the schedule that spawned it, so dropping a schedule whose parent item
-- left the PSP also drops everything below it.
ALTER TABLE schedules ADD COLUMN parent_schedule_id text REFERENCES schedules (id) ON DELETE CASCADE;
CREATE INDEX schedules_parent ON schedules (parent_schedule_id);
