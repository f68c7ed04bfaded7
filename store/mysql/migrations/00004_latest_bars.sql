-- +goose Up
-- The date of each instrument's latest stored bar, so that "the latest bar
-- of every instrument" is one primary-key lookup here and one in bars per
-- instrument, whatever the size of bars. Store.Write moves it in the same
-- transaction as the bars; only a bar dated after it can move it, and no
-- store path deletes bars. Bars deleted by hand in SQL are not seen:
-- rebuild it with the INSERT below.
CREATE TABLE latest_bars (
    source     VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    symbol     VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    trade_date DATE NOT NULL,
    PRIMARY KEY (source, symbol)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- One descent per instrument: the loose index scan of GROUP BY on the
-- primary key's prefix.
INSERT INTO latest_bars (source, symbol, trade_date)
SELECT source, symbol, MAX(trade_date) FROM bars GROUP BY source, symbol;

-- +goose Down
DROP TABLE latest_bars;
