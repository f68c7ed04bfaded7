-- +goose Up
-- The intraday interval collected for an instrument besides its daily bars
-- ('1m', '5m' or '60m'); '' when none. Minute bars are opt-in per
-- instrument: a whole market's minutes cost a hundred times its days.
ALTER TABLE instruments ADD COLUMN intraday VARCHAR(4) NOT NULL DEFAULT '' AFTER instrument_type;

-- +goose Down
ALTER TABLE instruments DROP COLUMN intraday;
