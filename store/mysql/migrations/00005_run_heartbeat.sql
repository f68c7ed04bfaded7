-- +goose Up
-- The process of a running run and its last sign of life: a run whose
-- process is gone (on its host the pid is dead; from anywhere, no heartbeat
-- for a few intervals) is recorded abandoned instead of running forever.
ALTER TABLE runs ADD COLUMN pid INT NOT NULL DEFAULT 0, ADD COLUMN heartbeat DATETIME(6) NULL;

-- +goose Down
ALTER TABLE runs DROP COLUMN pid, DROP COLUMN heartbeat;
