package store

import (
	"context"
	"strings"

	"github.com/marketd/marketd/sources/market"
)

// Write reads the stored bars of several instruments in one query, a
// round trip per group instead of per instrument: on a busy server the
// round trips, not the reading, cost the most in a small write.
const (
	// storedGroup bounds the instruments of one query; SQLite allows 500
	// terms in a compound SELECT.
	storedGroup = 100
	// storedGroupBars bounds the bars of a group, and with them the
	// stored bars held at once.
	storedGroupBars = 50_000
)

// nextGroup returns how many writes from the head of ws to read together.
func nextGroup(ws []Write) int { return nextGroupOf(ws, func(w Write) int { return len(w.Bars) }) }

// nextGroupOf returns how many writes from the head of ws, of bars(w) bars
// each, to read together.
func nextGroupOf[W any](ws []W, bars func(W) int) int {
	n, total := 0, 0
	for n < len(ws) && n < storedGroup && (n == 0 || total+bars(ws[n]) <= storedGroupBars) {
		total += bars(ws[n])
		n++
	}
	return n
}

// readStored returns the stored bars of each write of ws dated within
// the span of its bars, by instrument and date. Each instrument is one
// primary-key range, whatever the optimizer thinks of the others.
func readStored(ctx context.Context, q querier, ws []Write) (map[market.Key]map[market.Date]market.Bar, error) {
	var sb strings.Builder
	args := make([]any, 0, 4*len(ws))
	for _, w := range ws {
		if len(w.Bars) == 0 {
			continue
		}
		lo, hi := w.Bars[0].Date, w.Bars[0].Date
		for _, b := range w.Bars[1:] {
			lo, hi = min(lo, b.Date), max(hi, b.Date)
		}
		if len(args) > 0 {
			sb.WriteString(" UNION ALL ")
		}
		sb.WriteString(`SELECT source, symbol, ` + barSelectCols + ` FROM bars
			WHERE source = ? AND symbol = ? AND trade_date >= ? AND trade_date <= ?`)
		args = append(args, w.Key.Source, w.Key.Symbol, lo.String(), hi.String())
	}
	out := make(map[market.Key]map[market.Date]market.Bar, len(ws))
	if len(args) == 0 {
		return out, nil
	}
	rows, err := q.QueryContext(ctx, sb.String(), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var k market.Key
		b, err := scanBar(rows, &k.Source, &k.Symbol)
		if err != nil {
			return nil, err
		}
		m := out[k]
		if m == nil {
			m = map[market.Date]market.Bar{}
			out[k] = m
		}
		m[b.Date] = b
	}
	return out, rows.Err()
}
