package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/marketd/marketd/sources/market"
)

// Write is one instrument's share of a Store.Write call.
type Write struct {
	Key     market.Key
	Bars    []market.Bar
	Actions []market.Action
	// Watermark, when not zero, is stored as the instrument's watermark in
	// the same transaction as the bars. It is set, not maximised: the
	// collector decides where it belongs.
	Watermark market.Date
	// FinalBefore, when not zero, marks the instrument's stored bars dated
	// before it final (no longer open to restatement).
	FinalBefore market.Date
}

// WriteResult counts the bars of a Write call by what happened to them.
// A bar whose stored values already equal the written ones is Unchanged;
// a restated value (open, high, low, close, adjusted close, volume, halt)
// makes it Changed. The final flag alone does not count as a change.
type WriteResult struct {
	Inserted, Changed, Unchanged int
}

// Add sums two results.
func (r WriteResult) Add(o WriteResult) WriteResult {
	return WriteResult{r.Inserted + o.Inserted, r.Changed + o.Changed, r.Unchanged + o.Unchanged}
}

var (
	barKey     = []string{"source", "symbol", "trade_date"}
	barData    = []string{"open", "high", "low", "close", "adj_close", "volume", "halted", "is_final", "fetched_at"}
	barCols    = append(append([]string{}, barKey...), barData...)
	actionKey  = []string{"source", "symbol", "ex_date", "kind"}
	actionData = []string{"amount", "numerator", "denominator", "fetched_at"}
	actionCols = append(append([]string{}, actionKey...), actionData...)

	watermarkKey  = []string{"source", "symbol"}
	watermarkData = []string{"trade_date", "updated_at"}
	watermarkCols = append(append([]string{}, watermarkKey...), watermarkData...)
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
// market.CheckSymbol's characters end no quoted string.
func validKey(k market.Key) bool {
	return market.CheckSymbol(k.Source) == nil && market.CheckSymbol(k.Symbol) == nil
}

// Write stores the bars, actions and watermarks of batch in one
// transaction: either all of it is committed or none of it. Writing the
// same bars again changes nothing and counts them Unchanged.
//
// Counts come from comparing with the stored rows inside the transaction,
// so only new or restated rows are sent; they are exact as long as one
// writer at a time writes a given instrument (the collector's rule).
//
// Where the dialect has a bulk loader, the new rows go through it and
// only restated rows through INSERT … ON DUPLICATE KEY UPDATE: a backfill
// then costs about what the server's own loader costs. Should the loader
// refuse a row, the transaction is abandoned and the batch written again
// through INSERT alone, which fails on the row and names its instrument.
func (s *Store) Write(ctx context.Context, batch []Write) (WriteResult, error) {
	if err := validateBatch(batch); err != nil {
		return WriteResult{}, err
	}
	res, err := s.write(ctx, batch, s.d.BulkLoad, nil)
	if errors.Is(err, errBulkRefused) {
		res, err = s.write(ctx, batch, nil, nil)
	}
	return res, err
}

func validateBatch(batch []Write) error {
	keys := make(map[market.Key]struct{}, len(batch))
	for _, w := range batch {
		if err := validateWrite(w); err != nil {
			return err
		}
		// Counting compares with stored rows, which cannot see a row
		// still queued for the same instrument.
		if _, dup := keys[w.Key]; dup {
			return fmt.Errorf("store: write %s: %w: instrument twice in one batch", w.Key, ErrInvalid)
		}
		keys[w.Key] = struct{}{}
	}
	return nil
}

// write runs Write's transaction, storing new bars through load when it is
// not nil. finish, when not nil, runs last in the transaction with the
// write's counts; its error abandons the whole transaction.
func (s *Store) write(ctx context.Context, batch []Write, load BulkLoader, finish func(context.Context, *sql.Tx, WriteResult) error) (WriteResult, error) {
	var res WriteResult
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res = WriteResult{}
		now := s.now()
		bars := newMultiInsert(tx, s.d, "bars", barCols, s.d.upsert(barKey, barData))
		acts := newMultiInsert(tx, s.d, "actions", actionCols, s.d.upsert(actionKey, actionData))
		marks := newMultiInsert(tx, s.d, "watermarks", watermarkCols, s.d.upsert(watermarkKey, watermarkData))
		latest := newLatestInsert(tx, s.d)
		var changed []market.Key // instruments whose bars this write changes, from changedFrom on
		changedFrom := market.Date(99991231)
		var fresh *bulkLoad
		if load != nil {
			fresh = newBulkLoad(tx, load, now)
		}
		for rest := batch; len(rest) > 0; {
			group := rest[:nextGroup(rest)]
			rest = rest[len(group):]
			stored, err := readStored(ctx, tx, group)
			if err != nil {
				return fmt.Errorf("store: read stored bars: %w", err)
			}
			for _, w := range group {
				r, first, newest, err := s.writeBars(ctx, bars, fresh, w, stored[w.Key], now)
				if err != nil {
					return fmt.Errorf("store: write bars of %s: %w", w.Key, err)
				}
				res = res.Add(r)
				if err := latest.add(ctx, w.Key, newest); err != nil {
					return fmt.Errorf("store: move latest bar of %s: %w", w.Key, err)
				}
				if first != 0 {
					changed = append(changed, w.Key)
					changedFrom = min(changedFrom, first)
				}
			}
		}
		if len(changed) > 0 {
			// One date for the batch: voiding more than needed costs a
			// longer validation, never a wrong one.
			if err := voidCheckpoints(ctx, tx, s.d, changedFrom, changed); err != nil {
				return err
			}
		}
		for _, w := range batch {
			if w.Watermark != 0 {
				err := marks.add(ctx, w.Key.String(), 100+2*len(w.Key.Symbol), w.Key.Source, w.Key.Symbol, w.Watermark.String(), now)
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
		if fresh != nil {
			if err := fresh.flush(ctx); err != nil {
				return fmt.Errorf("store: load new bars: %w", err)
			}
		}
		if err := bars.flush(ctx); err != nil {
			return fmt.Errorf("store: write bars: %w", err)
		}
		if err := acts.flush(ctx); err != nil {
			return fmt.Errorf("store: write actions: %w", err)
		}
		// The watermarks and latest bars go with the bars, in the same transaction.
		if err := marks.flush(ctx); err != nil {
			return fmt.Errorf("store: move watermarks: %w", err)
		}
		if err := latest.flush(ctx); err != nil {
			return fmt.Errorf("store: move latest bars: %w", err)
		}
		// Finality follows the bars so that it covers rows this
		// transaction has just written.
		if err := finalLatest(ctx, tx, s.d, batch); err != nil {
			return fmt.Errorf("store: mark latest bars final: %w", err)
		}
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
		if finish != nil {
			return finish(ctx, tx, res)
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

// writeBars compares w's bars with old, the stored bars of their dates,
// counts them, and queues the new and restated ones: new bars into fresh
// when it is not nil, the rest into ins. It returns the earliest date
// whose data changes (zero: none) and the newest bar it queued, as it
// will be stored (a zero Date: none).
func (s *Store) writeBars(ctx context.Context, ins *multiInsert, fresh *bulkLoad, w Write, old map[market.Date]market.Bar, now time.Time) (res WriteResult, first market.Date, newest market.Bar, err error) {
	key := w.Key.String()
	row := make([]byte, 0, 256)
	for i, b := range w.Bars {
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
		if (!exists || !sameData(prev, b)) && (first == 0 || b.Date < first) {
			first = b.Date
		}
		// A bar once final stays final.
		final = final || exists && prev.Final
		if b.Date > newest.Date {
			newest = b
			newest.Final = final
		}
		if !exists && fresh != nil {
			if err := fresh.add(ctx, &w, i, final); err != nil {
				return res, first, newest, err
			}
			continue
		}
		row = s.barLiteral(row[:0], w.Key, b, final, now)
		if err := ins.addLiteral(ctx, key, row); err != nil {
			return res, first, newest, err
		}
	}
	return res, first, newest, nil
}

// sameData reports whether two bars hold the same market data; the final
// flag is bookkeeping, not data.
func sameData(a, b market.Bar) bool {
	return a.Open == b.Open && a.High == b.High && a.Low == b.Low && a.Close == b.Close &&
		a.AdjClose == b.AdjClose && a.Volume == b.Volume && a.Halted == b.Halted
}
