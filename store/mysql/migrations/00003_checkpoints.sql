-- +goose Up
-- What the validator found clean, per instrument: a later validation of the
-- whole history restores this state and reads only the bars after `through`.
-- Store.Write keeps it honest: writing a bar dated at or before `through`
-- sets changed_from, which voids it.
CREATE TABLE checkpoints (
    source       VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    symbol       VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    -- Counts every write that changed the instrument's bars: the validator
    -- saves only if no write came while it was reading.
    writes       BIGINT NOT NULL DEFAULT 0,
    changed_from DATE NULL,
    through      DATE NULL,
    fingerprint  VARCHAR(32) CHARACTER SET ascii NOT NULL DEFAULT '',
    bars         INT NOT NULL DEFAULT 0,
    first_date   DATE NULL,
    last_date    DATE NULL,
    prev_date    DATE NULL,
    prev_open    DECIMAL(20,6) NULL,
    prev_high    DECIMAL(20,6) NULL,
    prev_low     DECIMAL(20,6) NULL,
    prev_close   DECIMAL(20,6) NULL,
    prev_volume  BIGINT NULL,
    repeat_from  DATE NULL,
    repeat_to    DATE NULL,
    repeats      INT NOT NULL DEFAULT 0,
    saved_at     DATETIME(6) NULL,
    PRIMARY KEY (source, symbol)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- +goose Down
DROP TABLE checkpoints;
