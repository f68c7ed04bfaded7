-- +goose Up
-- The date of each instrument's latest stored bar, so that "the latest bar
-- of every instrument" is one primary-key lookup here and one in bars per
-- instrument. Store.Write moves it in the same transaction as the bars;
-- only a bar dated after it can move it, and no store path deletes bars.
-- Bars deleted by hand in SQL are not seen: rebuild it with the INSERT below.
CREATE TABLE latest_bars (
    source     TEXT NOT NULL,
    symbol     TEXT NOT NULL,
    trade_date TEXT NOT NULL,
    PRIMARY KEY (source, symbol)
) WITHOUT ROWID;

INSERT INTO latest_bars (source, symbol, trade_date)
SELECT source, symbol, MAX(trade_date) FROM bars GROUP BY source, symbol;

-- +goose Down
DROP TABLE latest_bars;
