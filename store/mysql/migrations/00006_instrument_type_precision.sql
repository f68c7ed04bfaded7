-- +goose Up
-- What Yahoo's chart meta.instrumentType says an instrument is (EQUITY, ETF,
-- INDEX, MUTUALFUND, CURRENCY, CRYPTOCURRENCY, FUTURE); '' when no source
-- has said.
ALTER TABLE instruments ADD COLUMN instrument_type VARCHAR(16) NOT NULL DEFAULT '' AFTER board;

-- Eight decimals: crypto pairs come with priceHint 8 and FX crosses with 4
-- (market.Decimal holds 1e-8 units, up to ±92,233,720,368). Widening keeps
-- every stored value; on a large bars table the ALTER rebuilds it.
ALTER TABLE bars
    MODIFY open      DECIMAL(24,8) NULL,
    MODIFY high      DECIMAL(24,8) NULL,
    MODIFY low       DECIMAL(24,8) NULL,
    MODIFY close     DECIMAL(24,8) NOT NULL,
    MODIFY adj_close DECIMAL(24,8) NULL;
ALTER TABLE actions
    MODIFY amount      DECIMAL(24,8) NOT NULL DEFAULT 0,
    MODIFY numerator   DECIMAL(24,8) NOT NULL DEFAULT 0,
    MODIFY denominator DECIMAL(24,8) NOT NULL DEFAULT 0;
ALTER TABLE latest_bars
    MODIFY open      DECIMAL(24,8) NULL,
    MODIFY high      DECIMAL(24,8) NULL,
    MODIFY low       DECIMAL(24,8) NULL,
    MODIFY close     DECIMAL(24,8) NOT NULL,
    MODIFY adj_close DECIMAL(24,8) NULL;
ALTER TABLE checkpoints
    MODIFY prev_open  DECIMAL(24,8) NULL,
    MODIFY prev_high  DECIMAL(24,8) NULL,
    MODIFY prev_low   DECIMAL(24,8) NULL,
    MODIFY prev_close DECIMAL(24,8) NULL;

-- +goose Down
ALTER TABLE latest_bars
    MODIFY open      DECIMAL(20,6) NULL,
    MODIFY high      DECIMAL(20,6) NULL,
    MODIFY low       DECIMAL(20,6) NULL,
    MODIFY close     DECIMAL(20,6) NOT NULL,
    MODIFY adj_close DECIMAL(20,6) NULL;
ALTER TABLE checkpoints
    MODIFY prev_open  DECIMAL(20,6) NULL,
    MODIFY prev_high  DECIMAL(20,6) NULL,
    MODIFY prev_low   DECIMAL(20,6) NULL,
    MODIFY prev_close DECIMAL(20,6) NULL;
ALTER TABLE actions
    MODIFY amount      DECIMAL(20,6) NOT NULL DEFAULT 0,
    MODIFY numerator   DECIMAL(20,6) NOT NULL DEFAULT 0,
    MODIFY denominator DECIMAL(20,6) NOT NULL DEFAULT 0;
ALTER TABLE bars
    MODIFY open      DECIMAL(20,6) NULL,
    MODIFY high      DECIMAL(20,6) NULL,
    MODIFY low       DECIMAL(20,6) NULL,
    MODIFY close     DECIMAL(20,6) NOT NULL,
    MODIFY adj_close DECIMAL(20,6) NULL;
ALTER TABLE instruments DROP COLUMN instrument_type;
