package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/marketd/marketd/sources/market"
)

// latest_bars holds each instrument's latest stored bar, written in the
// same transaction as the bars.
var (
	latestData = []string{"open", "high", "low", "close", "adj_close", "volume", "halted", "is_final"}
	latestCols = slices.Concat(watermarkKey, []string{"trade_date"}, latestData)
)

// latestInsert queues, inside a Write's transaction, the newest bar each
// instrument's write stores. The upsert replaces the stored row only with
// a bar dated on or after it, so a backfill or a repair of older bars
// leaves it, and a restatement of the latest bar updates it.
type latestInsert struct{ *multiInsert }

func newLatestInsert(tx *sql.Tx, d Dialect) latestInsert {
	incoming := d.UpdateFrom("trade_date")
	var tail strings.Builder
	tail.WriteString(d.OnConflict(watermarkKey))
	// trade_date last: MySQL evaluates the assignments in order, each
	// seeing the ones before; SQLite sees the old row in all of them.
	for _, c := range slices.Concat(latestData, []string{"trade_date"}) {
		fmt.Fprintf(&tail, "%s = CASE WHEN latest_bars.trade_date <= %s THEN %s ELSE latest_bars.%s END, ", c, incoming, d.UpdateFrom(c), c)
	}
	return latestInsert{newMultiInsert(tx, d, "latest_bars", latestCols, strings.TrimSuffix(tail.String(), ", "))}
}

// add queues b, the newest bar a write of k stores, with its final flag
// as stored; nothing for a zero Date (the write stores no bar).
func (l latestInsert) add(ctx context.Context, k market.Key, b market.Bar) error {
	if b.Date == 0 {
		return nil
	}
	return l.multiInsert.add(ctx, k.String(), 300+2*len(k.Symbol), k.Source, k.Symbol, b.Date.String(),
		nullDecimalArg(b.Open), nullDecimalArg(b.High), nullDecimalArg(b.Low), decimalArg(b.Close), nullDecimalArg(b.AdjClose),
		nullInt(b.Volume), b.Halted, b.Final)
}

// finalLatest marks final the latest bar of each write of batch with a
// FinalBefore after it, as Write does to the bars: one statement for the
// batch, not one per instrument.
func finalLatest(ctx context.Context, tx *sql.Tx, d Dialect, batch []Write) error {
	var ws []Write
	for _, w := range batch {
		if w.FinalBefore != 0 {
			ws = append(ws, w)
		}
	}
	for chunk := range slices.Chunk(ws, max(1, d.MaxParams/3)) {
		var where strings.Builder
		args := make([]any, 0, 3*len(chunk))
		for i, w := range chunk {
			if i > 0 {
				where.WriteString(" OR ")
			}
			where.WriteString("(source = ? AND symbol = ? AND trade_date < ?)")
			args = append(args, w.Key.Source, w.Key.Symbol, w.FinalBefore.String())
		}
		if _, err := tx.ExecContext(ctx, `UPDATE latest_bars SET is_final = 1 WHERE is_final = 0 AND (`+where.String()+`)`, args...); err != nil {
			return err
		}
	}
	return nil
}

// latestScanFrom is the number of a source's instruments from which
// LatestBars reads the source's whole range of latest_bars, one row per
// instrument, and keeps the asked ones: on MariaDB that range costs about
// a third of looking each symbol up (3 ms against 10 ms for 3,000). Below
// it, one lookup per symbol.
const latestScanFrom = 200

// latestSelect reads latest bars of one source, a range of latest_bars'
// primary key.
const latestSelect = `SELECT symbol, trade_date, open, high, low, close, volume, halted, adj_close, is_final
	FROM latest_bars WHERE source = ?`

// LatestBars returns the most recent stored bar of each key that has one,
// from latest_bars: a primary-key lookup per instrument, or one range of
// it per source, whatever the number of bars (BenchmarkLatestBars: 3,000
// instruments over 10M bars).
func (s *Store) LatestBars(ctx context.Context, keys []market.Key) (map[market.Key]market.Bar, error) {
	bySource := map[string][]string{}
	for _, k := range keys {
		bySource[k.Source] = append(bySource[k.Source], k.Symbol)
	}
	out := make(map[market.Key]market.Bar, len(keys))
	for _, src := range slices.Sorted(maps.Keys(bySource)) {
		if err := s.latestOf(ctx, src, bySource[src], out); err != nil {
			return nil, fmt.Errorf("store: read latest bars of %s: %w", src, err)
		}
	}
	return out, nil
}

// latestOf reads the latest bars of source's symbols into out.
func (s *Store) latestOf(ctx context.Context, source string, symbols []string, out map[market.Key]market.Bar) error {
	query, args := latestSelect, []any{source}
	want := make(map[string]bool, len(symbols))
	for _, sym := range symbols {
		want[sym] = true
	}
	if len(want) < latestScanFrom {
		query += ` AND symbol IN ` + placeholders(len(want))
		for sym := range want {
			args = append(args, sym)
		}
	}
	// Decoded from the driver's values, as ScanBarsOf does: through
	// database/sql the decoding took more than the query.
	return s.eachRow(ctx, query, args, func(v []driver.Value) error {
		k := market.Key{Source: source}
		switch sym := v[0].(type) {
		case []byte:
			if !want[string(sym)] {
				return nil
			}
			k.Symbol = string(sym)
		case string:
			if !want[sym] {
				return nil
			}
			k.Symbol = sym
		default:
			return fmt.Errorf("cannot read %T as a symbol", sym)
		}
		b, err := scanValues(v[1:8])
		if err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
		if b.AdjClose, err = decimalValue(v[8]); err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
		if b.Final, err = boolValue(v[9], "is_final"); err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
		out[k] = b
		return nil
	})
}
