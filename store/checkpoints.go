package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/marketd/marketd/sources/market"
)

// Checkpoint is the validator's state for one instrument after a
// validation found every bar dated through Through clean: a later
// validation restores it and reads only the bars after Through.
//
// Write keeps checkpoints honest: writing a bar of the instrument dated
// at or before Through voids its checkpoint (Checkpoints then returns it
// with a zero Through), and a checkpoint is saved only if no write of the
// instrument came between Checkpoints and SaveCheckpoints, so it never
// vouches for bars the validator did not read. Bars changed by hand in
// SQL are not seen: the validator's recheck option reads everything.
type Checkpoint struct {
	Key market.Key
	// Through is the last date vouched for; zero: nothing is.
	Through market.Date
	// Fingerprint is the validator's digest of the rules and calendar the
	// bars were checked against; the store only keeps it.
	Fingerprint string
	Bars        int         // bars dated through Through
	First, Last market.Date // the first bar, and the last through Through
	// Prev is the last bar through Through that was not a halt (a zero
	// Date: none); RepeatFrom..RepeatTo and Repeats, a run of identical
	// bars still open at Through.
	Prev                 market.Bar
	RepeatFrom, RepeatTo market.Date
	Repeats              int
	// FirstStored is the instrument's earliest stored bar when read (zero:
	// none); it is not saved.
	FirstStored market.Date

	writes int64 // the instrument's write count when read
}

// Checkpoints returns the checkpoint of each of source's symbols, in
// symbol order, voided ones with a zero Through. Pass the result,
// updated, to SaveCheckpoints.
func (s *Store) Checkpoints(ctx context.Context, source string, symbols []string) ([]Checkpoint, error) {
	syms := slices.Clone(symbols)
	slices.Sort(syms)
	syms = slices.Compact(syms)
	// Every symbol gets a row first, so that writes from now on count.
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		ins := newMultiInsert(tx, s.d, "checkpoints", []string{"source", "symbol"}, s.d.DoNothing([]string{"source", "symbol"}))
		for _, sym := range syms {
			if err := ins.add(ctx, sym, 64, source, sym); err != nil {
				return err
			}
		}
		return ins.flush(ctx)
	})
	if err != nil {
		return nil, fmt.Errorf("store: checkpoints of %s: %w", source, err)
	}
	// The earliest stored bar is one index descent per instrument.
	rows, err := s.db.QueryContext(ctx, `SELECT c.symbol, c.writes, c.changed_from, c.through, c.fingerprint, c.bars,
			c.first_date, c.last_date, c.prev_date, c.prev_open, c.prev_high, c.prev_low, c.prev_close, c.prev_volume,
			c.repeat_from, c.repeat_to, c.repeats,
			(SELECT b.trade_date FROM bars b WHERE b.source = c.source AND b.symbol = c.symbol ORDER BY b.trade_date LIMIT 1)
		FROM checkpoints c WHERE c.source = ? ORDER BY c.symbol`, source)
	if err != nil {
		return nil, fmt.Errorf("store: checkpoints of %s: %w", source, err)
	}
	defer rows.Close()
	out := make([]Checkpoint, 0, len(syms))
	for rows.Next() {
		c := Checkpoint{Key: market.Key{Source: source}}
		var changed market.Date
		var cl sql.Null[market.Decimal]
		err := rows.Scan(&c.Key.Symbol, &c.writes, dateScanner{&changed}, dateScanner{&c.Through}, &c.Fingerprint, &c.Bars,
			dateScanner{&c.First}, dateScanner{&c.Last}, dateScanner{&c.Prev.Date},
			decimalScanner{&c.Prev.Open}, decimalScanner{&c.Prev.High}, decimalScanner{&c.Prev.Low}, decimalScanner{&cl}, &c.Prev.Volume,
			dateScanner{&c.RepeatFrom}, dateScanner{&c.RepeatTo}, &c.Repeats, dateScanner{&c.FirstStored})
		if err != nil {
			return nil, fmt.Errorf("store: checkpoints of %s: %w", source, err)
		}
		if _, asked := slices.BinarySearch(syms, c.Key.Symbol); !asked {
			continue
		}
		c.Prev.Close = cl.V
		if changed != 0 && changed <= c.Through {
			c.Through = 0 // a write reached into what it vouched for
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: checkpoints of %s: %w", source, err)
	}
	return out, nil
}

// checkpointCols are the columns SaveCheckpoints writes; writes is not
// written but compared: a row is updated only while it still holds the
// count read by Checkpoints.
var checkpointCols = []string{"source", "symbol", "writes", "changed_from", "through", "fingerprint", "bars",
	"first_date", "last_date", "prev_date", "prev_open", "prev_high", "prev_low", "prev_close", "prev_volume",
	"repeat_from", "repeat_to", "repeats", "saved_at"}

// SaveCheckpoints stores checkpoints read by Checkpoints and updated by the
// validator, except those of instruments written since they were read.
// A zero Through clears a checkpoint.
func (s *Store) SaveCheckpoints(ctx context.Context, cps []Checkpoint) error {
	if len(cps) == 0 {
		return nil
	}
	// An upsert whose every assignment is conditional on the count still
	// being the one read: one statement for many rows, and a concurrent
	// write (which increments it) wins.
	var tail strings.Builder
	tail.WriteString(s.d.OnConflict([]string{"source", "symbol"}))
	guard := "checkpoints.writes = " + s.d.UpdateFrom("writes")
	first := true
	for _, c := range checkpointCols[3:] {
		if !first {
			tail.WriteString(", ")
		}
		first = false
		fmt.Fprintf(&tail, "%s = CASE WHEN %s THEN %s ELSE checkpoints.%s END", c, guard, s.d.UpdateFrom(c), c)
	}
	now := s.now()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		ins := newMultiInsert(tx, s.d, "checkpoints", checkpointCols, tail.String())
		for _, c := range cps {
			through, bars := nullDateArg(c.Through), c.Bars
			if c.Through == 0 {
				bars = 0
			}
			err := ins.add(ctx, c.Key.String(), 400, c.Key.Source, c.Key.Symbol, c.writes, nil, through, c.Fingerprint, bars,
				nullDateArg(c.First), nullDateArg(c.Last), nullDateArg(c.Prev.Date),
				nullDecimalArg(c.Prev.Open), nullDecimalArg(c.Prev.High), nullDecimalArg(c.Prev.Low), nullDecimalArg(market.Some(c.Prev.Close)),
				nullInt(c.Prev.Volume), nullDateArg(c.RepeatFrom), nullDateArg(c.RepeatTo), c.Repeats, now)
			if err != nil {
				return err
			}
		}
		return ins.flush(ctx)
	})
	if err != nil {
		return fmt.Errorf("store: save checkpoints: %w", err)
	}
	return nil
}

// voidCheckpoints records, inside a Write's transaction, that the bars of
// keys changed from the date from on: checkpoints through from or later
// no longer hold, and a validation reading them now will not save.
func voidCheckpoints(ctx context.Context, tx *sql.Tx, d Dialect, from market.Date, keys []market.Key) error {
	bySource := map[string][]any{}
	for _, k := range keys {
		bySource[k.Source] = append(bySource[k.Source], k.Symbol)
	}
	sources := make([]string, 0, len(bySource))
	for src := range bySource {
		sources = append(sources, src)
	}
	slices.Sort(sources) // rows are locked in one order by every writer
	for _, src := range sources {
		for chunk := range slices.Chunk(bySource[src], max(1, d.MaxParams-3)) {
			args := append([]any{from.String(), from.String(), src}, chunk...)
			_, err := tx.ExecContext(ctx, `UPDATE checkpoints SET writes = writes + 1,
				changed_from = CASE WHEN changed_from IS NULL OR changed_from > ? THEN ? ELSE changed_from END
				WHERE source = ? AND symbol IN `+placeholders(len(chunk)), args...)
			if err != nil {
				return fmt.Errorf("store: void checkpoints from %s: %w", from, err)
			}
		}
	}
	return nil
}
