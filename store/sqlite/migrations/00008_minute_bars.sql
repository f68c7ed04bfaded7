-- +goose Up
-- Intraday bars, as on MySQL: bar_interval in minutes is part of the key
-- (hourly history reaches further back than minutes do), starts_at is the
-- bar's start in UTC as 'YYYY-MM-DD HH:MM:SS' text, which sorts as time
-- does. SQLite has no partitions: retention deletes old rows, scanning the
-- table once a run rather than paying an index on starts_at with every row.
CREATE TABLE minute_bars (
    source       TEXT NOT NULL,
    symbol       TEXT NOT NULL,
    bar_interval INTEGER NOT NULL,
    starts_at    TEXT NOT NULL,
    open         TEXT NULL,
    high         TEXT NULL,
    low          TEXT NULL,
    close        TEXT NOT NULL,
    volume       INTEGER NULL,
    PRIMARY KEY (source, symbol, bar_interval, starts_at),
    CONSTRAINT minute_bars_nonnegative CHECK (open NOT LIKE '-%' AND high NOT LIKE '-%' AND low NOT LIKE '-%'
        AND close NOT LIKE '-%' AND volume >= 0)
) WITHOUT ROWID;

-- +goose Down
DROP TABLE minute_bars;
