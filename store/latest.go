package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"

	"github.com/marketd/marketd/sources/market"
)

// latest_bars holds the date of each instrument's latest stored bar. Only
// a new bar dated after it moves it: a restatement keeps the date (the bar
// itself is read from bars), and no store path deletes bars.
var latestCols = []string{"source", "symbol", "trade_date"}

// latestInsert queues, inside a Write's transaction, the newest new bar of
// each instrument written; the upsert keeps the later of it and the date
// stored, so writing an older bar (a backfill, a repair) never moves the
// latest one back.
type latestInsert struct{ *multiInsert }

func newLatestInsert(tx *sql.Tx, d Dialect) latestInsert {
	later := d.UpdateFrom("trade_date")
	tail := d.OnConflict(watermarkKey) +
		"trade_date = CASE WHEN latest_bars.trade_date < " + later + " THEN " + later + " ELSE latest_bars.trade_date END"
	return latestInsert{newMultiInsert(tx, d, "latest_bars", latestCols, tail)}
}

// add queues w's newest bar absent from stored, the instrument's stored
// bars over the span of w's bars; nothing when every bar was stored.
func (l latestInsert) add(ctx context.Context, w Write, stored map[market.Date]market.Bar) error {
	var newest market.Date
	for _, b := range w.Bars {
		if _, ok := stored[b.Date]; !ok && b.Date > newest {
			newest = b.Date
		}
	}
	if newest == 0 {
		return nil
	}
	return l.multiInsert.add(ctx, w.Key.String(), 100+2*len(w.Key.Symbol), w.Key.Source, w.Key.Symbol, newest.String())
}

// latestChunk bounds the symbols of one LatestBars query.
const latestChunk = 1000

// latestSelect reads the latest bars of one source's symbols: for each, a
// primary-key lookup in latest_bars, then one in bars (the join on the
// whole key). Its plan is checked by TestReadPlans.
const latestSelect = `SELECT symbol, ` + barSelectCols + ` FROM latest_bars JOIN bars USING (source, symbol, trade_date)
	WHERE source = ? AND symbol IN `

// LatestBars returns the most recent stored bar of each key that has one:
// two primary-key lookups per instrument, whatever the number of bars
// (BenchmarkLatestBars: 3,000 instruments over 10M bars).
func (s *Store) LatestBars(ctx context.Context, keys []market.Key) (map[market.Key]market.Bar, error) {
	sorted := slices.Clone(keys)
	slices.SortFunc(sorted, func(a, b market.Key) int {
		return cmp.Or(cmp.Compare(a.Source, b.Source), cmp.Compare(a.Symbol, b.Symbol))
	})
	sorted = slices.Compact(sorted)
	out := make(map[market.Key]market.Bar, len(sorted))
	for len(sorted) > 0 {
		n := 1
		for n < len(sorted) && n < latestChunk && sorted[n].Source == sorted[0].Source {
			n++
		}
		if err := s.latestOf(ctx, sorted[:n], out); err != nil {
			return nil, fmt.Errorf("store: read latest bars of %s: %w", sorted[0].Source, err)
		}
		sorted = sorted[n:]
	}
	return out, nil
}

// latestOf reads the latest bars of keys, all of one source, into out.
func (s *Store) latestOf(ctx context.Context, keys []market.Key, out map[market.Key]market.Bar) error {
	args := make([]any, 0, 1+len(keys))
	args = append(args, keys[0].Source)
	for _, k := range keys {
		args = append(args, k.Symbol)
	}
	rows, err := s.db.QueryContext(ctx, latestSelect+placeholders(len(keys)), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	k := market.Key{Source: keys[0].Source}
	for rows.Next() {
		b, err := scanBar(rows, &k.Symbol)
		if err != nil {
			return err
		}
		out[k] = b
	}
	return rows.Err()
}
