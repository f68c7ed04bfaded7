package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/marketd/marketd/sources/market"
)

// latestChunk bounds the instruments in one LatestBars query; SQLite
// allows 500 terms in a compound SELECT.
const latestChunk = 500

// LatestBars returns the most recent stored bar of each key that has one.
//
// It asks in two steps, each a set of primary-key (source, symbol,
// trade_date) descents whatever the optimizer's statistics say: the
// latest date of each instrument (a MAX the optimizer answers from the
// index alone), then those exact rows. A GROUP BY/MAX join reads the same
// but MariaDB plans it as a range scan of every bar when its cardinality
// estimates are off, as they are on a freshly loaded table (measured: 7.5 s
// against a few hundred ms for 3,000 instruments over 10M rows).
func (s *Store) LatestBars(ctx context.Context, keys []market.Key) (map[market.Key]market.Bar, error) {
	out := make(map[market.Key]market.Bar, len(keys))
	for len(keys) > 0 {
		n := min(len(keys), latestChunk)
		if err := s.latestChunk(ctx, keys[:n], out); err != nil {
			return nil, fmt.Errorf("store: read latest bars: %w", err)
		}
		keys = keys[n:]
	}
	return out, nil
}

func (s *Store) latestChunk(ctx context.Context, keys []market.Key, out map[market.Key]market.Bar) error {
	var sb strings.Builder
	args := make([]any, 0, 3*len(keys))
	for i, k := range keys {
		if i > 0 {
			sb.WriteString(" UNION ALL ")
		}
		sb.WriteString("SELECT ?, ?, (SELECT MAX(trade_date) FROM bars WHERE source = ? AND symbol = ?)")
		args = append(args, k.Source, k.Symbol, k.Source, k.Symbol)
	}
	rows, err := s.db.QueryContext(ctx, sb.String(), args...)
	if err != nil {
		return err
	}
	sb.Reset()
	args = args[:0]
	sb.WriteString(`SELECT source, symbol, ` + barSelectCols + ` FROM bars WHERE `)
	for rows.Next() {
		var src, sym string
		var d market.Date
		if err := rows.Scan(&src, &sym, dateScanner{&d}); err != nil {
			rows.Close()
			return err
		}
		if d == 0 {
			continue // no bars
		}
		if len(args) > 0 {
			sb.WriteString(" OR ")
		}
		sb.WriteString("(source = ? AND symbol = ? AND trade_date = ?)")
		args = append(args, src, sym, d.String())
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(args) == 0 {
		return nil
	}
	return s.scanLatest(ctx, sb.String(), args, out)
}

func (s *Store) scanLatest(ctx context.Context, query string, args []any, out map[market.Key]market.Bar) error {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var k market.Key
		b, err := scanBar(rows, &k.Source, &k.Symbol)
		if err != nil {
			return err
		}
		out[k] = b
	}
	return rows.Err()
}
