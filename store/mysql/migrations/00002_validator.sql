-- +goose Up
-- Problems an operator acknowledged with `marketd gaps ack`: sessions a
-- source will never have. The validator keeps them and stops reporting them.
CREATE TABLE acks (
    source    VARCHAR(16) NOT NULL,
    symbol    VARCHAR(32) NOT NULL,
    from_date DATE NOT NULL,
    to_date   DATE NOT NULL,
    reason    VARCHAR(500) NOT NULL,
    acked_at  DATETIME(6) NOT NULL,
    PRIMARY KEY (source, symbol, from_date)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- Validation reports whose email could not be sent, for `marketd validate --resend`.
CREATE TABLE unsent_reports (
    id         BIGINT AUTO_INCREMENT PRIMARY KEY,
    created_at DATETIME(6) NOT NULL,
    subject    VARCHAR(500) NOT NULL,
    body_text  MEDIUMTEXT NOT NULL,
    body_html  MEDIUMTEXT NOT NULL,
    error      TEXT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- +goose Down
DROP TABLE unsent_reports;
DROP TABLE acks;
