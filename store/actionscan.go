package store

import (
	"context"
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
