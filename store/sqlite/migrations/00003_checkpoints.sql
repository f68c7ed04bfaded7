-- +goose Up
-- What the validator found clean, per instrument: a later validation of the
-- whole history restores this state and reads only the bars after `through`.
-- Store.Write keeps it honest: writing a bar dated at or before `through`
-- sets changed_from, which voids it.
CREATE TABLE checkpoints (
    source       TEXT NOT NULL,
    symbol       TEXT NOT NULL,
    -- Counts every write that changed the instrument's bars: the validator
    -- saves only if no write came while it was reading.
    writes       INTEGER NOT NULL DEFAULT 0,
    changed_from TEXT NULL,
    through      TEXT NULL,
    fingerprint  TEXT NOT NULL DEFAULT '',
    bars         INTEGER NOT NULL DEFAULT 0,
    first_date   TEXT NULL,
    last_date    TEXT NULL,
    prev_date    TEXT NULL,
    prev_open    TEXT NULL,
    prev_high    TEXT NULL,
    prev_low     TEXT NULL,
    prev_close   TEXT NULL,
    prev_volume  INTEGER NULL,
    repeat_from  TEXT NULL,
    repeat_to    TEXT NULL,
    repeats      INTEGER NOT NULL DEFAULT 0,
    saved_at     TIMESTAMP NULL,
    PRIMARY KEY (source, symbol)
) WITHOUT ROWID;

-- +goose Down
DROP TABLE checkpoints;
