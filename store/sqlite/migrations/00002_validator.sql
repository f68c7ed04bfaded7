-- +goose Up
-- Problems an operator acknowledged with `marketd gaps ack`: sessions a
-- source will never have. The validator keeps them and stops reporting them.
CREATE TABLE acks (
    source    TEXT NOT NULL,
    symbol    TEXT NOT NULL,
    from_date TEXT NOT NULL,
    to_date   TEXT NOT NULL,
    reason    TEXT NOT NULL,
    acked_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (source, symbol, from_date)
) WITHOUT ROWID;

-- Validation reports whose email could not be sent, for `marketd validate --resend`.
CREATE TABLE unsent_reports (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TIMESTAMP NOT NULL,
    subject    TEXT NOT NULL,
    body_text  TEXT NOT NULL,
    body_html  TEXT NOT NULL,
    error      TEXT NOT NULL
);

-- +goose Down
DROP TABLE unsent_reports;
DROP TABLE acks;
