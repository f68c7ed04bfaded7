package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/marketd/marketd/sources/market"
)

var (
	barKey     = []string{"source", "symbol", "trade_date"}
	barData    = []string{"open", "high", "low", "close", "adj_close", "volume", "halted", "is_final", "fetched_at"}
	barCols    = append(append([]string{}, barKey...), barData...)
	actionKey  = []string{"source", "symbol", "ex_date", "kind"}
	actionData = []string{"amount", "numerator", "denominator", "fetched_at"}
	actionCols = append(append([]string{}, actionKey...), actionData...)
)

// barLiteral renders one bar row as SQL text. Every value is one the
// store formats itself; the key strings were checked by validKey.
func (s *Store) barLiteral(b []byte, k market.Key, bar market.Bar, final bool, now time.Time) []byte {
	b = append(b, "('"...)
	b = append(b, k.Source...)
	b = append(b, "', '"...)
	b = append(b, k.Symbol...)
	b = append(b, "', '"...)
	b = append(b, bar.Date.String()...)
	b = append(b, '\'')
	num := func(d market.Decimal) {
		b = append(b, ", "...)
		if s.d.QuoteDecimals {
			b = append(b, '\'')
			b = d.Append(b)
			b = append(b, '\'')
		} else {
			b = d.Append(b)
		}
	}
	null := func(d sql.Null[market.Decimal]) {
		if d.Valid {
			num(d.V)
		} else {
			b = append(b, ", NULL"...)
		}
	}
	null(bar.Open)
	null(bar.High)
	null(bar.Low)
	num(bar.Close)
	null(bar.AdjClose)
	if bar.Volume.Valid {
		b = append(b, ", "...)
		b = strconv.AppendInt(b, bar.Volume.V, 10)
	} else {
		b = append(b, ", NULL"...)
	}
	b = append(b, ", "...)
	b = strconv.AppendBool(b, bar.Halted)
	b = append(b, ", "...)
	b = strconv.AppendBool(b, final)
	b = append(b, ", '"...)
	b = now.AppendFormat(b, "2006-01-02 15:04:05.000000")
	return append(b, "')"...)
}

// validKey reports whether k's strings are safe to write into SQL text:
// the characters exchange and vendor symbols use ("005930.KS", "0193T0",
// "BRK-B", "^GSPC", "EURUSD=X"), nothing that could end a quoted string.
func validKey(k market.Key) bool {
	ok := func(s string) bool {
		if s == "" || len(s) > 32 {
			return false
		}
		for i := range len(s) {
			c := s[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(".-_^=&/+", c) >= 0) {
				return false
			}
		}
		return true
	}
	return ok(k.Source) && ok(k.Symbol)
}

// Write stores the bars, actions and watermarks of batch in one
// transaction: either all of it is committed or none of it. Writing the
// same bars again changes nothing and counts them Unchanged.
//
// Counts come from comparing with the stored rows inside the transaction,
// so only new or restated rows are sent; they are exact as long as one
// writer at a time writes a given instrument (the collector's rule).
func (s *Store) Write(ctx context.Context, batch []Write) (WriteResult, error) {
	keys := make(map[market.Key]struct{}, len(batch))
	for _, w := range batch {
		if err := validateWrite(w); err != nil {
			return WriteResult{}, err
		}
		// Counting compares with stored rows, which cannot see a row
		// still queued for the same instrument.
		if _, dup := keys[w.Key]; dup {
			return WriteResult{}, fmt.Errorf("store: write %s: %w: instrument twice in one batch", w.Key, ErrInvalid)
		}
		keys[w.Key] = struct{}{}
	}
	var res WriteResult
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res = WriteResult{}
		now := s.now()
		bars := newMultiInsert(tx, s.d, "bars", barCols, s.d.upsert(barKey, barData))
		acts := newMultiInsert(tx, s.d, "actions", actionCols, s.d.upsert(actionKey, actionData))
		for _, w := range batch {
			r, err := s.writeBars(ctx, tx, bars, w, now)
			if err != nil {
				return fmt.Errorf("store: write bars of %s: %w", w.Key, err)
			}
			res = res.Add(r)
			if w.Watermark != 0 {
				_, err := tx.ExecContext(ctx, `INSERT INTO watermarks (source, symbol, trade_date, updated_at)
					VALUES (?, ?, ?, ?)`+s.d.upsert([]string{"source", "symbol"}, []string{"trade_date", "updated_at"}),
					w.Key.Source, w.Key.Symbol, w.Watermark.String(), now)
				if err != nil {
					return fmt.Errorf("store: move watermark of %s to %s: %w", w.Key, w.Watermark, err)
				}
			}
			for _, a := range w.Actions {
				err := acts.add(ctx, w.Key.String(), 200+2*len(w.Key.Symbol), w.Key.Source, w.Key.Symbol, a.Date.String(), string(a.Kind),
					decimalArg(a.Amount), decimalArg(a.Numerator), decimalArg(a.Denominator), now)
				if err != nil {
					return fmt.Errorf("store: write actions of %s: %w", w.Key, err)
				}
			}
		}
		if err := bars.flush(ctx); err != nil {
			return fmt.Errorf("store: write bars: %w", err)
		}
		if err := acts.flush(ctx); err != nil {
			return fmt.Errorf("store: write actions: %w", err)
		}
		// Finality follows the bars so that it covers rows this
		// transaction has just written.
		for _, w := range batch {
			if w.FinalBefore != 0 {
				_, err := tx.ExecContext(ctx, `UPDATE bars SET is_final = 1
					WHERE source = ? AND symbol = ? AND trade_date < ? AND is_final = 0`,
					w.Key.Source, w.Key.Symbol, w.FinalBefore.String())
				if err != nil {
					return fmt.Errorf("store: mark bars of %s final before %s: %w", w.Key, w.FinalBefore, err)
				}
			}
		}
		return nil
	})
	if err != nil {
		return WriteResult{}, err
	}
	return res, nil
}

func validateWrite(w Write) error {
	if !validKey(w.Key) {
		return fmt.Errorf("store: write %q: %w: source and symbol must be 1-32 of A-Z a-z 0-9 . - _ ^ = & / +", w.Key, ErrInvalid)
	}
	seen := make(map[market.Date]struct{}, len(w.Bars))
	for _, b := range w.Bars {
		if b.Date == 0 {
			return fmt.Errorf("store: write %s: %w: bar without a date", w.Key, ErrInvalid)
		}
		if _, dup := seen[b.Date]; dup {
			return fmt.Errorf("store: write %s: %w: two bars dated %s", w.Key, ErrInvalid, b.Date)
		}
		seen[b.Date] = struct{}{}
	}
	for _, a := range w.Actions {
		if a.Date == 0 || a.Kind == "" {
			return fmt.Errorf("store: write %s: %w: action without a date or kind", w.Key, ErrInvalid)
		}
	}
	return nil
}

// writeBars queues w's new and restated bars and counts them.
func (s *Store) writeBars(ctx context.Context, tx *sql.Tx, ins *multiInsert, w Write, now time.Time) (WriteResult, error) {
	var res WriteResult
	if len(w.Bars) == 0 {
		return res, nil
	}
	lo, hi := w.Bars[0].Date, w.Bars[0].Date
	for _, b := range w.Bars[1:] {
		lo, hi = min(lo, b.Date), max(hi, b.Date)
	}
	stored, err := queryBars(ctx, tx, w.Key, lo, hi)
	if err != nil {
		return res, err
	}
	old := make(map[market.Date]market.Bar, len(stored))
	for _, b := range stored {
		old[b.Date] = b
	}
	key := w.Key.String()
	row := make([]byte, 0, 256)
	for _, b := range w.Bars {
		final := b.Final || w.FinalBefore != 0 && b.Date < w.FinalBefore
		prev, exists := old[b.Date]
		switch {
		case !exists:
			res.Inserted++
		case !sameData(prev, b):
			res.Changed++
		default:
			res.Unchanged++
			if final == prev.Final || prev.Final {
				continue
			}
		}
		// A bar once final stays final.
		final = final || exists && prev.Final
		row = s.barLiteral(row[:0], w.Key, b, final, now)
		if err := ins.addLiteral(ctx, key, row); err != nil {
			return res, err
		}
	}
	return res, nil
}

func nullInt(v sql.Null[int64]) any {
	if !v.Valid {
		return nil
	}
	return v.V
}

// sameData reports whether two bars hold the same market data; the final
// flag is bookkeeping, not data.
func sameData(a, b market.Bar) bool {
	return a.Open == b.Open && a.High == b.High && a.Low == b.Low && a.Close == b.Close &&
		a.AdjClose == b.AdjClose && a.Volume == b.Volume && a.Halted == b.Halted
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

const (
	barSelectCols = `trade_date, open, high, low, close, adj_close, volume, halted, is_final`
	barSelect     = `SELECT ` + barSelectCols + ` FROM bars`
)

func scanBar(rows *sql.Rows, extra ...any) (market.Bar, error) {
	var b market.Bar
	var cl sql.Null[market.Decimal]
	dest := append(extra, dateScanner{&b.Date}, decimalScanner{&b.Open}, decimalScanner{&b.High},
		decimalScanner{&b.Low}, decimalScanner{&cl}, decimalScanner{&b.AdjClose}, &b.Volume, &b.Halted, &b.Final)
	if err := rows.Scan(dest...); err != nil {
		return b, err
	}
	b.Close = cl.V
	return b, nil
}

func queryBars(ctx context.Context, q querier, k market.Key, from, to market.Date) ([]market.Bar, error) {
	query := barSelect + ` WHERE source = ? AND symbol = ?`
	args := []any{k.Source, k.Symbol}
	if from != 0 {
		query += ` AND trade_date >= ?`
		args = append(args, from.String())
	}
	if to != 0 {
		query += ` AND trade_date <= ?`
		args = append(args, to.String())
	}
	rows, err := q.QueryContext(ctx, query+` ORDER BY trade_date`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []market.Bar
	for rows.Next() {
		b, err := scanBar(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// Bars returns key's bars dated from..to inclusive (zero: unbounded), by date.
func (s *Store) Bars(ctx context.Context, key market.Key, from, to market.Date) ([]market.Bar, error) {
	bars, err := queryBars(ctx, s.db, key, from, to)
	if err != nil {
		return nil, fmt.Errorf("store: read bars of %s: %w", key, err)
	}
	return bars, nil
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
		var a market.Action
		var kind string
		var amt, num, den sql.Null[market.Decimal]
		if err := rows.Scan(dateScanner{&a.Date}, &kind, decimalScanner{&amt}, decimalScanner{&num}, decimalScanner{&den}); err != nil {
			return nil, fmt.Errorf("store: read actions of %s: %w", key, err)
		}
		a.Kind, a.Amount, a.Numerator, a.Denominator = market.ActionKind(kind), amt.V, num.V, den.V
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read actions of %s: %w", key, err)
	}
	return out, nil
}

// latestChunk bounds the instruments in one LatestBars query; SQLite
// allows 500 terms in a compound SELECT.
const latestChunk = 500

// LatestBars returns the most recent stored bar of each key that has one.
//
// Each instrument gets its own "ORDER BY trade_date DESC LIMIT 1" term:
// one descent of the primary key (source, symbol, trade_date) whatever the
// optimizer's statistics say. A GROUP BY/MAX join looks equivalent but
// MariaDB picks a range scan of every row when its cardinality estimates
// are off, which they are on a freshly loaded table.
func (s *Store) LatestBars(ctx context.Context, keys []market.Key) (map[market.Key]market.Bar, error) {
	out := make(map[market.Key]market.Bar, len(keys))
	var sb strings.Builder
	for len(keys) > 0 {
		n := min(len(keys), latestChunk)
		chunk := keys[:n]
		keys = keys[n:]
		sb.Reset()
		args := make([]any, 0, 2*n)
		for i, k := range chunk {
			if i > 0 {
				sb.WriteString(" UNION ALL ")
			}
			fmt.Fprintf(&sb, "SELECT * FROM (SELECT source, symbol, %s FROM bars WHERE source = ? AND symbol = ? "+
				"ORDER BY trade_date DESC LIMIT 1) AS l%d", barSelectCols, i)
			args = append(args, k.Source, k.Symbol)
		}
		if err := s.scanLatest(ctx, sb.String(), args, out); err != nil {
			return nil, fmt.Errorf("store: read latest bars: %w", err)
		}
	}
	return out, nil
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
