-- +goose Up
-- Intraday bars. bar_interval is the bar's length in minutes (1, 5, 60) and
-- part of the key: Yahoo serves 60m bars about 730 days back but 1m bars
-- only about 30, so an instrument's hourly history cannot be derived from
-- its minutes and is stored as served. starts_at is the bar's start in UTC
-- (DATETIME, written and read as UTC text, never through a session zone).
--
-- Range-partitioned by month of starts_at so that retention drops whole
-- partitions (an instant metadata change) instead of deleting rows. The
-- store adds the monthly partitions ahead of its writes (pYYYYMM holds the
-- month YYYYMM); p_start only gives the table the one partition MySQL
-- requires. Every unique key of a partitioned table must hold the
-- partitioning column, which the primary key does.
CREATE TABLE minute_bars (
    source       VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    symbol       VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    bar_interval SMALLINT UNSIGNED NOT NULL,
    starts_at    DATETIME NOT NULL,
    open         DECIMAL(24,8) NULL,
    high         DECIMAL(24,8) NULL,
    low          DECIMAL(24,8) NULL,
    close        DECIMAL(24,8) NOT NULL,
    volume       BIGINT NULL,
    PRIMARY KEY (source, symbol, bar_interval, starts_at),
    CONSTRAINT minute_bars_nonnegative CHECK (open >= 0 AND high >= 0 AND low >= 0 AND close >= 0
        AND volume >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
PARTITION BY RANGE COLUMNS (starts_at) (
    PARTITION p_start VALUES LESS THAN ('2000-01-01 00:00:00')
);

-- +goose Down
DROP TABLE minute_bars;
