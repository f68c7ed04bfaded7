-- +goose Up
-- What Yahoo's chart meta.instrumentType says an instrument is (EQUITY, ETF,
-- INDEX, MUTUALFUND, CURRENCY, CRYPTOCURRENCY, FUTURE); '' when no source
-- has said. Prices need no widening here: they are TEXT holding the exact
-- decimal string, eight decimals as well as six.
ALTER TABLE instruments ADD COLUMN instrument_type TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE instruments DROP COLUMN instrument_type;
