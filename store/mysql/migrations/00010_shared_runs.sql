-- +goose Up
-- Who keeps the record of a run shared as work units, and what its units
-- do. The host that splits a run owns it under a lease it renews while it
-- waits for the units; when the lease runs out (the owner died or lost the
-- database) any host working on the run takes it over, and whoever owns it
-- when the last unit is done writes the run's record, once (the row is
-- locked and the owner checked in the transaction that writes it).
CREATE TABLE shared_runs (
    run_id      BIGINT NOT NULL PRIMARY KEY,
    -- What every unit does: the collector's own encoding (JSON).
    spec        VARCHAR(1024) NOT NULL DEFAULT '',
    owner       VARCHAR(255) NOT NULL,
    host        VARCHAR(255) NOT NULL,
    -- UTC, by the server's clock; NULL once the run's record is written.
    lease_until DATETIME(6) NULL,
    takeovers   INT NOT NULL DEFAULT 0,
    KEY shared_runs_lease (lease_until)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- +goose Down
DROP TABLE shared_runs;
