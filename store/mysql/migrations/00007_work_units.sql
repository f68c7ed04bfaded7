-- +goose Up
-- A run shared by several hosts: its instruments split into units that
-- each host claims (SELECT … FOR UPDATE SKIP LOCKED), holding a lease it
-- renews while it works. A unit is marked done in the same transaction as
-- its last bars and watermarks, with its counts; the run's totals are the
-- sum of its units. SQLite has no such table: it serves one host.
CREATE TABLE work_units (
    run_id      BIGINT NOT NULL,
    unit        INT NOT NULL,
    source      VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    -- The unit's symbols, space-separated (market.CheckSymbol: no spaces).
    symbols     MEDIUMTEXT CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    state       VARCHAR(8) NOT NULL DEFAULT 'pending',
    owner       VARCHAR(255) NOT NULL DEFAULT '',
    host        VARCHAR(255) NOT NULL DEFAULT '',
    -- UTC, by the server's clock: hosts' clocks never decide a takeover.
    lease_until DATETIME(6) NULL,
    claims      INT NOT NULL DEFAULT 0,
    ok          INT NOT NULL DEFAULT 0,
    failed      INT NOT NULL DEFAULT 0,
    skipped     INT NOT NULL DEFAULT 0,
    inserted    INT NOT NULL DEFAULT 0,
    changed     INT NOT NULL DEFAULT 0,
    unchanged   INT NOT NULL DEFAULT 0,
    -- The transport's counters on the host while it worked on the unit.
    requests    INT NOT NULL DEFAULT 0,
    throttled   INT NOT NULL DEFAULT 0,
    retries     INT NOT NULL DEFAULT 0,
    finished    DATETIME(6) NULL,
    PRIMARY KEY (run_id, unit),
    KEY work_units_open (state, run_id),
    CONSTRAINT work_units_state CHECK (state IN ('pending', 'claimed', 'done'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- +goose Down
DROP TABLE work_units;
