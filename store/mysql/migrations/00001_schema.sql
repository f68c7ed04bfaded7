-- +goose Up
-- Keys are ASCII and compared byte for byte: symbols are identifiers
-- ("0193T0", "005930.KS", "BRK-B"), never words.
CREATE TABLE instruments (
    source    VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    symbol    VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    market    VARCHAR(8)  NOT NULL DEFAULT '',
    board     VARCHAR(16) NOT NULL DEFAULT '',
    currency  VARCHAR(3)  NOT NULL DEFAULT '',
    name      VARCHAR(255) NOT NULL DEFAULT '',
    time_zone VARCHAR(64) NOT NULL DEFAULT '',
    active    BOOLEAN NOT NULL DEFAULT TRUE,
    listed    DATE NULL,
    delisted  DATE NULL,
    added_at  DATETIME(6) NOT NULL,
    PRIMARY KEY (source, symbol),
    KEY instruments_market (market, source)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- The primary key order (source, symbol, trade_date) makes a range of one
-- instrument's bars, and its latest bar, one index descent.
CREATE TABLE bars (
    source     VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    symbol     VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    trade_date DATE NOT NULL,
    open       DECIMAL(20,6) NULL,
    high       DECIMAL(20,6) NULL,
    low        DECIMAL(20,6) NULL,
    close      DECIMAL(20,6) NOT NULL,
    adj_close  DECIMAL(20,6) NULL,
    volume     BIGINT NULL,
    halted     BOOLEAN NOT NULL DEFAULT FALSE,
    is_final   BOOLEAN NOT NULL DEFAULT FALSE,
    fetched_at DATETIME(6) NOT NULL,
    PRIMARY KEY (source, symbol, trade_date),
    -- Stock prices and volumes are never negative: such a value is a bug.
    CONSTRAINT bars_nonnegative CHECK (open >= 0 AND high >= 0 AND low >= 0 AND close >= 0
        AND adj_close >= 0 AND volume >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE actions (
    source      VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    symbol      VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    ex_date     DATE NOT NULL,
    kind        VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    amount      DECIMAL(20,6) NOT NULL DEFAULT 0,
    numerator   DECIMAL(20,6) NOT NULL DEFAULT 0,
    denominator DECIMAL(20,6) NOT NULL DEFAULT 0,
    fetched_at  DATETIME(6) NOT NULL,
    PRIMARY KEY (source, symbol, ex_date, kind)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE watermarks (
    source     VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    symbol     VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    trade_date DATE NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    PRIMARY KEY (source, symbol)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE runs (
    id        BIGINT NOT NULL AUTO_INCREMENT,
    job       VARCHAR(32) NOT NULL,
    host      VARCHAR(255) NOT NULL DEFAULT '',
    started   DATETIME(6) NOT NULL,
    finished  DATETIME(6) NULL,
    status    VARCHAR(16) NOT NULL,
    ok        INT NOT NULL DEFAULT 0,
    failed    INT NOT NULL DEFAULT 0,
    skipped   INT NOT NULL DEFAULT 0,
    requests  INT NOT NULL DEFAULT 0,
    throttled INT NOT NULL DEFAULT 0,
    retries   INT NOT NULL DEFAULT 0,
    inserted  INT NOT NULL DEFAULT 0,
    changed   INT NOT NULL DEFAULT 0,
    unchanged INT NOT NULL DEFAULT 0,
    message   TEXT NULL,
    PRIMARY KEY (id),
    KEY runs_job_started (job, started)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE run_results (
    run_id    BIGINT NOT NULL,
    source    VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    symbol    VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    status    VARCHAR(16) NOT NULL,
    from_date DATE NULL,
    to_date   DATE NULL,
    row_count INT NOT NULL DEFAULT 0,
    error     TEXT NULL,
    PRIMARY KEY (run_id, source, symbol),
    CONSTRAINT run_results_run FOREIGN KEY (run_id) REFERENCES runs (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- Problems the validator found (gaps, quality), kept so that an alert is
-- sent once, can be acknowledged, and closes when the data is healed.
CREATE TABLE problems (
    problem_key VARCHAR(191) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    first_seen  DATETIME(6) NOT NULL,
    last_seen   DATETIME(6) NOT NULL,
    acked       BOOLEAN NOT NULL DEFAULT FALSE,
    reason      TEXT NULL,
    resolved    DATETIME(6) NULL,
    PRIMARY KEY (problem_key),
    KEY problems_open (resolved, last_seen)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE calendar_overrides (
    market  VARCHAR(8) NOT NULL,
    day     DATE NOT NULL,
    is_open BOOLEAN NOT NULL,
    reason  VARCHAR(255) NOT NULL DEFAULT '',
    PRIMARY KEY (market, day)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- One row per scheduled run: the host whose INSERT lands runs the slot.
CREATE TABLE job_slots (
    job        VARCHAR(64) NOT NULL,
    slot       DATETIME NOT NULL,
    owner      VARCHAR(255) NOT NULL,
    claimed_at DATETIME(6) NOT NULL,
    PRIMARY KEY (job, slot)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

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
