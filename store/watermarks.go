package store

import (
	"context"
	"fmt"

	"github.com/marketd/marketd/sources/market"
)

// Watermarks returns the watermark of every instrument of source that has one.
func (s *Store) Watermarks(ctx context.Context, source string) (map[market.Key]market.Date, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT symbol, trade_date FROM watermarks WHERE source = ?`, source)
	if err != nil {
		return nil, fmt.Errorf("store: read watermarks of %s: %w", source, err)
	}
	defer rows.Close()
	out := map[market.Key]market.Date{}
	for rows.Next() {
		var sym string
		var d market.Date
		if err := rows.Scan(&sym, dateScanner{&d}); err != nil {
			return nil, fmt.Errorf("store: read watermarks of %s: %w", source, err)
		}
		out[market.Key{Source: source, Symbol: sym}] = d
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read watermarks of %s: %w", source, err)
	}
	return out, nil
}
