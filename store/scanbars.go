package store

import (
	"bytes"
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"

	"github.com/marketd/marketd/sources/market"
)

// ScanBarsOf calls fn for every bar of the given symbols of source dated
// from..to (a zero bound: unbounded), ordered by symbol then date, and
// stops at fn's first error.
// It reads only what quality checks need: the bars fn sees carry no
// adjusted close and are never Final.
//
// The bars primary key (source, symbol, trade_date) serves two plans, and
// the window picks one (measured on MariaDB, 3,000 symbols × 10 years):
// a short window reads one key range per symbol (symbol IN (…) with the
// dates), so a 30-session lookback touches 90k rows, not the 7.5M of the
// source; a long window reads whole runs of symbols, which MariaDB streams
// about twice as fast per row as many small ranges. Batches of symbols are
// read by up to scanReaders connections at once while fn checks the
// previous ones, decoded from raw bytes without per-value allocation.
func (s *Store) ScanBarsOf(ctx context.Context, source string, symbols []string, from, to market.Date, fn func(market.Key, market.Bar) error) error {
	syms := slices.Clone(symbols)
	slices.Sort(syms) // ascii_bin orders keys by bytes, as Go does
	syms = slices.Compact(syms)
	batches := scanBatches(source, syms, from, to)
	if len(batches) == 0 {
		return nil
	}
	readers := scanReaders
	if m := s.db.Stats().MaxOpenConnections; m > 0 && m <= readers {
		// One connection (SQLite) cannot hold two open results; with a
		// few, fn's own queries need one left.
		readers = 1
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make([]chan scanChunk, len(batches))
	for i := range results {
		results[i] = make(chan scanChunk, 4)
	}
	free := make(chan []scannedBar, 4*len(batches)+8)
	var wg sync.WaitGroup
	for w := range min(readers, len(batches)) {
		wg.Go(func() {
			for i := w; i < len(batches); i += readers {
				if !s.readBatch(ctx, batches[i], results[i], free) {
					return
				}
			}
		})
	}
	defer wg.Wait() // after cancel: readers never outlive the call
	key := market.Key{Source: source}
	for i, b := range batches {
		for c := range results[i] {
			if c.err != nil {
				if err := ctx.Err(); err != nil {
					c.err = err // the reader's error is only its symptom
				}
				return fmt.Errorf("store: scan bars of %s: %w", source, c.err)
			}
			for j := range c.bars {
				key.Symbol = b.syms[c.bars[j].sym]
				if err := fn(key, c.bars[j].bar); err != nil {
					return err
				}
			}
			select {
			case free <- c.bars[:0]:
			default:
			}
		}
		// A batch cut short by cancellation ends without an error of its
		// own, and later batches may never be read.
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("store: scan bars of %s: %w", source, err)
		}
	}
	return nil
}

const (
	// scanReaders bounds the connections one scan reads with at once.
	// On the 2-core test box two cut the lookback's time by a quarter
	// (its queries wait on index descents) and were within noise on the
	// full scan (server and client already fill both cores); three
	// slowed both.
	scanReaders = 2
	// scanSymbols is the number of symbols one query covers.
	scanSymbols = 250
	// scanRangeDays is the window length below which a scan reads one
	// key range per symbol rather than whole runs of symbols.
	scanRangeDays = 3 * 366
	scanChunkBars = 1024
)

// A scanBatch is one query of a scan and the symbols it returns bars of.
type scanBatch struct {
	query string
	args  []any
	syms  []string
}

type scannedBar struct {
	sym int // index into the batch's symbols
	bar market.Bar
}

type scanChunk struct {
	bars []scannedBar
	err  error
}

func scanBatches(source string, syms []string, from, to market.Date) []scanBatch {
	const cols = `SELECT symbol, trade_date, open, high, low, close, volume, halted FROM bars WHERE source = ? AND `
	// Unbounded, the dates are not compared at all: a whole-history scan
	// saves the server a twentieth of its work.
	var dates string
	var dateArgs []any
	if from != 0 {
		dates += ` AND trade_date >= ?`
		dateArgs = append(dateArgs, from.String())
	}
	if to != 0 {
		dates += ` AND trade_date <= ?`
		dateArgs = append(dateArgs, to.String())
	}
	perSymbol := from != 0 && to != 0 && to.DaysSince(from) < scanRangeDays
	var out []scanBatch
	for chunk := range slices.Chunk(syms, scanSymbols) {
		b := scanBatch{syms: chunk, args: []any{source}}
		if perSymbol {
			b.query = cols + `symbol IN ` + placeholders(len(chunk)) + dates
			for _, sym := range chunk {
				b.args = append(b.args, sym)
			}
		} else {
			// Symbols in the run that were not asked for are skipped.
			b.query = cols + `symbol >= ? AND symbol <= ?` + dates
			b.args = append(b.args, chunk[0], chunk[len(chunk)-1])
		}
		b.query += ` ORDER BY symbol, trade_date`
		b.args = append(b.args, dateArgs...)
		out = append(out, b)
	}
	return out
}

// readBatch sends the bars of one batch to out in chunks and closes it.
// It reports false when the scan is over: an error was sent, or the scan
// was abandoned.
func (s *Store) readBatch(ctx context.Context, b scanBatch, out chan<- scanChunk, free chan []scannedBar) bool {
	defer close(out)
	send := func(c scanChunk) bool {
		select {
		case out <- c:
			return true
		case <-ctx.Done():
			return false
		}
	}
	index := make(map[string]int, len(b.syms))
	for i, sym := range b.syms {
		index[sym] = i
	}
	var last []byte
	cur, want := -1, false
	chunk := newChunk(free)
	err := s.eachRow(ctx, b.query, b.args, func(v []driver.Value) error {
		var sym []byte
		switch x := v[0].(type) {
		case []byte:
			sym = x
		case string:
			sym = []byte(x)
		default:
			return fmt.Errorf("cannot read %T as a symbol", x)
		}
		if cur < 0 || !bytes.Equal(sym, last) {
			last = append(last[:0], sym...)
			cur, want = index[string(sym)]
		}
		if !want {
			return nil
		}
		bar, err := scanValues(v[1:])
		if err != nil {
			return fmt.Errorf("%s: %w", b.syms[cur], err)
		}
		chunk = append(chunk, scannedBar{sym: cur, bar: bar})
		if len(chunk) == cap(chunk) {
			if !send(scanChunk{bars: chunk}) {
				return ctx.Err()
			}
			chunk = newChunk(free)
		}
		return nil
	})
	if err != nil {
		send(scanChunk{err: err})
		return false
	}
	if len(chunk) > 0 {
		return send(scanChunk{bars: chunk})
	}
	return true
}

// eachRow runs query and calls fn with each row's driver values, which
// are valid only until fn returns. It reads through the driver itself
// when the driver can run the query directly: database/sql's locking and
// conversions per value cost a fifth of a full scan's CPU.
func (s *Store) eachRow(ctx context.Context, query string, args []any, fn func([]driver.Value) error) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	errIndirect := errors.New("the driver cannot run the query directly")
	err = conn.Raw(func(dc any) error {
		q, ok := dc.(driver.QueryerContext)
		if !ok {
			return errIndirect
		}
		named := make([]driver.NamedValue, len(args))
		for i, a := range args {
			named[i] = driver.NamedValue{Ordinal: i + 1, Value: a}
		}
		rows, err := q.QueryContext(ctx, query, named)
		if errors.Is(err, driver.ErrSkip) {
			return errIndirect // e.g. MySQL without interpolateParams
		}
		if err != nil {
			return err
		}
		defer rows.Close()
		dest := make([]driver.Value, len(rows.Columns()))
		for {
			if err := rows.Next(dest); err != nil {
				if errors.Is(err, io.EOF) {
					return nil
				}
				return err
			}
			if err := fn(dest); err != nil {
				return err
			}
		}
	})
	if !errors.Is(err, errIndirect) {
		return err
	}
	rows, err := conn.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	dest := make([]driver.Value, len(cols))
	ptrs := make([]any, len(cols))
	for i := range dest {
		// As *any: database/sql stores a NULL only into that, not into
		// a *driver.Value.
		ptrs[i] = (*any)(&dest[i])
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		if err := fn(dest); err != nil {
			return err
		}
	}
	return rows.Err()
}

func newChunk(free chan []scannedBar) []scannedBar {
	select {
	case c := <-free:
		return c
	default:
		return make([]scannedBar, 0, scanChunkBars)
	}
}
