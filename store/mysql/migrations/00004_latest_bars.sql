-- +goose Up
-- Each instrument's latest stored bar, so that "the latest bar of every
-- instrument" reads one row per instrument, whatever the size of bars.
-- Store.Write keeps it in the same transaction as the bars: a new later
-- bar replaces it, a restatement or a finality change of the same date
-- updates it, an older bar leaves it; no store path deletes bars. Bars
-- changed by hand in SQL are not seen: rebuild it with the INSERT below.
CREATE TABLE latest_bars (
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
    PRIMARY KEY (source, symbol)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- The latest dates by the loose index scan of GROUP BY on the primary
-- key's prefix (one descent per instrument), then those bars.
INSERT INTO latest_bars (source, symbol, trade_date, open, high, low, close, adj_close, volume, halted, is_final)
SELECT b.source, b.symbol, b.trade_date, b.open, b.high, b.low, b.close, b.adj_close, b.volume, b.halted, b.is_final
FROM (SELECT source, symbol, MAX(trade_date) AS trade_date FROM bars GROUP BY source, symbol) m
JOIN bars b ON b.source = m.source AND b.symbol = m.symbol AND b.trade_date = m.trade_date;

-- +goose Down
DROP TABLE latest_bars;
