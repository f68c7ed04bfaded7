package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/marketd/marketd/sources/market"
)

// ScanBars calls fn for every bar of source dated from..to, ordered by
// symbol then date. It streams: the validator checks millions of bars
// without holding them. An error from fn stops the scan and is returned.
func (s *Store) ScanBars(ctx context.Context, source string, from, to market.Date, fn func(market.Key, market.Bar) error) error {
	rows, err := s.db.QueryContext(ctx,
		`SELECT symbol, trade_date, open, high, low, close, adj_close, volume, halted, is_final FROM bars
		 WHERE source = ? AND trade_date >= ? AND trade_date <= ? ORDER BY symbol, trade_date`,
		source, from.String(), to.String())
	if err != nil {
		return fmt.Errorf("store: scan bars of %s: %w", source, err)
	}
	defer rows.Close()
	key := market.Key{Source: source}
	for rows.Next() {
		var symbol string
		b, err := scanBar(rows, &symbol)
		if err != nil {
			return fmt.Errorf("store: scan bars of %s: %w", source, err)
		}
		if symbol != key.Symbol {
			key.Symbol = symbol
		}
		if err := fn(key, b); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: scan bars of %s: %w", source, err)
	}
	return nil
}

// Ack is an acknowledged problem: sessions of an instrument a source will
// never have, with the operator's reason.
type Ack struct {
	Source, Symbol string
	From, To       market.Date
	Reason         string
	At             time.Time
}

// AddAck records an acknowledgement; acking the same start date again
// replaces its end and reason.
func (s *Store) AddAck(ctx context.Context, a Ack) error {
	if a.Source == "" || a.Symbol == "" || a.From.IsZero() || a.To < a.From || a.Reason == "" {
		return fmt.Errorf("%w: an ack needs a source, a symbol, a date range and a reason", ErrInvalid)
	}
	q := `INSERT INTO acks (source, symbol, from_date, to_date, reason, acked_at) VALUES (?, ?, ?, ?, ?, ?)` +
		s.d.upsert([]string{"source", "symbol", "from_date"}, []string{"to_date", "reason", "acked_at"})
	if _, err := s.db.ExecContext(ctx, q, a.Source, a.Symbol, a.From.String(), a.To.String(), a.Reason, s.now()); err != nil {
		return fmt.Errorf("store: ack %s %s %s: %w", a.Source, a.Symbol, a.From, err)
	}
	return nil
}

// RemoveAcks deletes the acknowledgements of key that overlap from..to and
// returns how many there were.
func (s *Store) RemoveAcks(ctx context.Context, key market.Key, from, to market.Date) (int, error) {
	res, err := s.db.ExecContext(ctx,
		`DELETE FROM acks WHERE source = ? AND symbol = ? AND from_date <= ? AND to_date >= ?`,
		key.Source, key.Symbol, to.String(), from.String())
	if err != nil {
		return 0, fmt.Errorf("store: unack %s: %w", key, err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// Acks returns every acknowledgement, by source, symbol and date.
func (s *Store) Acks(ctx context.Context) ([]Ack, error) {
	rows, err := s.db.QueryContext(ctx,
		`SELECT source, symbol, from_date, to_date, reason, acked_at FROM acks ORDER BY source, symbol, from_date`)
	if err != nil {
		return nil, fmt.Errorf("store: read acks: %w", err)
	}
	defer rows.Close()
	var out []Ack
	for rows.Next() {
		var a Ack
		if err := rows.Scan(&a.Source, &a.Symbol, dateScanner{&a.From}, dateScanner{&a.To}, &a.Reason, timeScanner{&a.At}); err != nil {
			return nil, fmt.Errorf("store: read acks: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// ProblemState is what the database remembers of a reported problem.
type ProblemState struct {
	Key       string
	FirstSeen time.Time
	LastSeen  time.Time
	Resolved  time.Time // zero while open
}

// SyncProblems records that the problems with the given keys are open at
// now, and that every other open problem the run covered is resolved. It
// returns the state each key had before (absent: new) and the problems
// resolved by this call, so a report can say what is new, what is still
// open since when, and what healed.
//
// covers says whether the run checked where a key lies (its market,
// source, instrument, date or job): a problem the run did not look at
// keeps its state and first sighting, for it is not known to have healed.
func (s *Store) SyncProblems(ctx context.Context, open []string, covers func(key string) bool, now time.Time) (before map[string]ProblemState, resolved []ProblemState, err error) {
	before = map[string]ProblemState{}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		clear(before)
		resolved = resolved[:0]
		rows, err := tx.QueryContext(ctx, `SELECT problem_key, first_seen, last_seen FROM problems WHERE resolved IS NULL`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var p ProblemState
			if err := rows.Scan(&p.Key, timeScanner{&p.FirstSeen}, timeScanner{&p.LastSeen}); err != nil {
				rows.Close()
				return err
			}
			before[p.Key] = p
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		stillOpen := make(map[string]bool, len(open))
		upsert := `INSERT INTO problems (problem_key, first_seen, last_seen, acked, resolved) VALUES (?, ?, ?, FALSE, NULL)` +
			s.d.upsert([]string{"problem_key"}, []string{"last_seen", "resolved"})
		for _, k := range open {
			stillOpen[k] = true
			first := now
			if p, ok := before[k]; ok {
				first = p.FirstSeen
			}
			// first_seen is only written for a new row: the upsert leaves it.
			if _, err := tx.ExecContext(ctx, upsert, k, first.UTC(), now.UTC()); err != nil {
				return err
			}
		}
		for k, p := range before {
			if stillOpen[k] || !covers(k) {
				continue
			}
			if _, err := tx.ExecContext(ctx, `UPDATE problems SET resolved = ? WHERE problem_key = ?`, now.UTC(), k); err != nil {
				return err
			}
			p.Resolved = now.UTC()
			resolved = append(resolved, p)
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("store: record problems: %w", err)
	}
	return before, resolved, nil
}
