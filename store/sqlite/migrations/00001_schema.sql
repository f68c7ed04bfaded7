-- +goose Up
-- Prices are TEXT holding exact decimal strings: SQLite's NUMERIC affinity
-- would turn them into binary floating point.
CREATE TABLE instruments (
    source    TEXT NOT NULL,
    symbol    TEXT NOT NULL,
    market    TEXT NOT NULL DEFAULT '',
    board     TEXT NOT NULL DEFAULT '',
    currency  TEXT NOT NULL DEFAULT '',
    name      TEXT NOT NULL DEFAULT '',
    time_zone TEXT NOT NULL DEFAULT '',
    active    INTEGER NOT NULL DEFAULT 1,
    listed    TEXT NULL,
    delisted  TEXT NULL,
    added_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (source, symbol)
) WITHOUT ROWID;
CREATE INDEX instruments_market ON instruments (market, source);

CREATE TABLE bars (
    source     TEXT NOT NULL,
    symbol     TEXT NOT NULL,
    trade_date TEXT NOT NULL,
    open       TEXT NULL,
    high       TEXT NULL,
    low        TEXT NULL,
    close      TEXT NOT NULL,
    adj_close  TEXT NULL,
    volume     INTEGER NULL,
    halted     INTEGER NOT NULL DEFAULT 0,
    is_final   INTEGER NOT NULL DEFAULT 0,
    fetched_at TIMESTAMP NOT NULL,
    PRIMARY KEY (source, symbol, trade_date),
    -- Stock prices and volumes are never negative: such a value is a bug.
    -- Prices are decimal strings, so the sign is their first character.
    CONSTRAINT bars_nonnegative CHECK (open NOT LIKE '-%' AND high NOT LIKE '-%' AND low NOT LIKE '-%'
        AND close NOT LIKE '-%' AND adj_close NOT LIKE '-%' AND volume >= 0)
) WITHOUT ROWID;

CREATE TABLE actions (
    source      TEXT NOT NULL,
    symbol      TEXT NOT NULL,
    ex_date     TEXT NOT NULL,
    kind        TEXT NOT NULL,
    amount      TEXT NOT NULL DEFAULT '0',
    numerator   TEXT NOT NULL DEFAULT '0',
    denominator TEXT NOT NULL DEFAULT '0',
    fetched_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (source, symbol, ex_date, kind)
) WITHOUT ROWID;

CREATE TABLE watermarks (
    source     TEXT NOT NULL,
    symbol     TEXT NOT NULL,
    trade_date TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (source, symbol)
) WITHOUT ROWID;

CREATE TABLE runs (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    job       TEXT NOT NULL,
    host      TEXT NOT NULL DEFAULT '',
    started   TIMESTAMP NOT NULL,
    finished  TIMESTAMP NULL,
    status    TEXT NOT NULL,
    ok        INTEGER NOT NULL DEFAULT 0,
    failed    INTEGER NOT NULL DEFAULT 0,
    skipped   INTEGER NOT NULL DEFAULT 0,
    requests  INTEGER NOT NULL DEFAULT 0,
    throttled INTEGER NOT NULL DEFAULT 0,
    retries   INTEGER NOT NULL DEFAULT 0,
    inserted  INTEGER NOT NULL DEFAULT 0,
    changed   INTEGER NOT NULL DEFAULT 0,
    unchanged INTEGER NOT NULL DEFAULT 0,
    message   TEXT NULL
);
CREATE INDEX runs_job_started ON runs (job, started);

CREATE TABLE run_results (
    run_id    INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    source    TEXT NOT NULL,
    symbol    TEXT NOT NULL,
    status    TEXT NOT NULL,
    from_date TEXT NULL,
    to_date   TEXT NULL,
    row_count INTEGER NOT NULL DEFAULT 0,
    error     TEXT NULL,
    PRIMARY KEY (run_id, source, symbol)
) WITHOUT ROWID;

CREATE TABLE problems (
    problem_key TEXT NOT NULL PRIMARY KEY,
    first_seen  TIMESTAMP NOT NULL,
    last_seen   TIMESTAMP NOT NULL,
    acked       INTEGER NOT NULL DEFAULT 0,
    reason      TEXT NULL,
    resolved    TIMESTAMP NULL
) WITHOUT ROWID;
CREATE INDEX problems_open ON problems (resolved, last_seen);

CREATE TABLE calendar_overrides (
    market  TEXT NOT NULL,
    day     TEXT NOT NULL,
    is_open INTEGER NOT NULL,
    reason  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (market, day)
) WITHOUT ROWID;

CREATE TABLE job_slots (
    job        TEXT NOT NULL,
    slot       TIMESTAMP NOT NULL,
    owner      TEXT NOT NULL,
    claimed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (job, slot)
) WITHOUT ROWID;

-- +goose Down
DROP TABLE job_slots;
DROP TABLE calendar_overrides;
DROP TABLE problems;
DROP TABLE run_results;
DROP TABLE runs;
DROP TABLE watermarks;
DROP TABLE actions;
DROP TABLE bars;
DROP TABLE instruments;
