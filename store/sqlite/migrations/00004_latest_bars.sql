-- +goose Up
-- Each instrument's latest stored bar, so that "the latest bar of every
-- instrument" reads one row per instrument, whatever the size of bars.
-- Store.Write keeps it in the same transaction as the bars: a new later
-- bar replaces it, a restatement or a finality change of the same date
-- updates it, an older bar leaves it; no store path deletes bars. Bars
-- changed by hand in SQL are not seen: rebuild it with the INSERT below.
CREATE TABLE latest_bars (
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
    PRIMARY KEY (source, symbol)
) WITHOUT ROWID;

INSERT INTO latest_bars (source, symbol, trade_date, open, high, low, close, adj_close, volume, halted, is_final)
SELECT b.source, b.symbol, b.trade_date, b.open, b.high, b.low, b.close, b.adj_close, b.volume, b.halted, b.is_final
FROM (SELECT source, symbol, MAX(trade_date) AS trade_date FROM bars GROUP BY source, symbol) m
JOIN bars b ON b.source = m.source AND b.symbol = m.symbol AND b.trade_date = m.trade_date;

-- +goose Down
DROP TABLE latest_bars;
