package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/marketd/marketd/sources/market"
)

// ScanActions calls fn for every corporate action of source with an
// ex-date in from..to inclusive, ordered by symbol, ex-date then kind, and
// stops at fn's first error. It streams, as ScanBars does, so an export of
// a whole source holds one row at a time.
func (s *Store) ScanActions(ctx context.Context, source string, from, to market.Date, fn func(market.Key, market.Action) error) error {
	rows, err := s.db.QueryContext(ctx,
		`SELECT symbol, ex_date, kind, amount, numerator, denominator FROM actions
		 WHERE source = ? AND ex_date >= ? AND ex_date <= ? ORDER BY symbol, ex_date, kind`,
		source, from.String(), to.String())
	if err != nil {
		return fmt.Errorf("store: scan actions of %s: %w", source, err)
	}
	defer rows.Close()
	key := market.Key{Source: source}
	for rows.Next() {
		a, err := scanAction(rows, &key.Symbol)
		if err != nil {
			return fmt.Errorf("store: scan actions of %s: %w", source, err)
		}
		if err := fn(key, a); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: scan actions of %s: %w", source, err)
	}
	return nil
}

// Actions returns key's corporate actions with ex-dates from..to inclusive
// (zero: unbounded), by date then kind.
func (s *Store) Actions(ctx context.Context, key market.Key, from, to market.Date) ([]market.Action, error) {
	query := `SELECT ex_date, kind, amount, numerator, denominator FROM actions WHERE source = ? AND symbol = ?`
	args := []any{key.Source, key.Symbol}
	if from != 0 {
		query += ` AND ex_date >= ?`
		args = append(args, from.String())
	}
	if to != 0 {
		query += ` AND ex_date <= ?`
		args = append(args, to.String())
	}
	rows, err := s.db.QueryContext(ctx, query+` ORDER BY ex_date, kind`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: read actions of %s: %w", key, err)
	}
	defer rows.Close()
	var out []market.Action
	for rows.Next() {
		a, err := scanAction(rows)
		if err != nil {
			return nil, fmt.Errorf("store: read actions of %s: %w", key, err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read actions of %s: %w", key, err)
	}
	return out, nil
}

// scanAction reads one row of ex_date, kind, amount, numerator and
// denominator, after the extra columns the caller puts first.
func scanAction(rows *sql.Rows, extra ...any) (market.Action, error) {
	var a market.Action
	var kind string
	var amt, num, den sql.Null[market.Decimal]
	dest := append(extra, dateScanner{&a.Date}, &kind, decimalScanner{&amt}, decimalScanner{&num}, decimalScanner{&den})
	if err := rows.Scan(dest...); err != nil {
		return a, err
	}
	a.Kind, a.Amount, a.Numerator, a.Denominator = market.ActionKind(kind), amt.V, num.V, den.V
	return a, nil
}
