package store

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/market/calendar"
)

// ScanBars calls fn for every bar of source dated from..to, ordered by
// symbol then date. It streams: the validator checks millions of bars
// without holding them. An error from fn stops the scan and is returned.
func (s *Store) ScanBars(ctx context.Context, source string, from, to market.Date, fn func(market.Key, market.Bar) error) error {
	rows, err := s.db.QueryContext(ctx,
		`SELECT symbol, trade_date, open, high, low, close, adj_close, volume, halted, is_final FROM bars
		 WHERE source = ? AND trade_date >= ? AND trade_date <= ? ORDER BY symbol, trade_date`,
		source, from.String(), to.String())
	if err != nil {
		return fmt.Errorf("store: scan bars of %s: %w", source, err)
	}
	defer rows.Close()
	key := market.Key{Source: source}
	for rows.Next() {
		var symbol string
		b, err := scanBar(rows, &symbol)
		if err != nil {
			return fmt.Errorf("store: scan bars of %s: %w", source, err)
		}
		if symbol != key.Symbol {
			key.Symbol = symbol
		}
		if err := fn(key, b); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: scan bars of %s: %w", source, err)
	}
	return nil
}

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
		ptrs[i] = &dest[i]
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

// Ack is an acknowledged problem: sessions of an instrument a source will
// never have, with the operator's reason.
type Ack struct {
	Source, Symbol string
	From, To       market.Date
	Reason         string
	At             time.Time
}

// AddAck records an acknowledgement; acking the same start date again
// replaces its end and reason.
func (s *Store) AddAck(ctx context.Context, a Ack) error {
	if a.Source == "" || a.Symbol == "" || a.From.IsZero() || a.To < a.From || a.Reason == "" {
		return fmt.Errorf("%w: an ack needs a source, a symbol, a date range and a reason", ErrInvalid)
	}
	q := `INSERT INTO acks (source, symbol, from_date, to_date, reason, acked_at) VALUES (?, ?, ?, ?, ?, ?)` +
		s.d.upsert([]string{"source", "symbol", "from_date"}, []string{"to_date", "reason", "acked_at"})
	if _, err := s.db.ExecContext(ctx, q, a.Source, a.Symbol, a.From.String(), a.To.String(), a.Reason, s.now()); err != nil {
		return fmt.Errorf("store: ack %s %s %s: %w", a.Source, a.Symbol, a.From, err)
	}
	return nil
}

// RemoveAcks deletes the acknowledgements of key that overlap from..to and
// returns how many there were.
func (s *Store) RemoveAcks(ctx context.Context, key market.Key, from, to market.Date) (int, error) {
	res, err := s.db.ExecContext(ctx,
		`DELETE FROM acks WHERE source = ? AND symbol = ? AND from_date <= ? AND to_date >= ?`,
		key.Source, key.Symbol, to.String(), from.String())
	if err != nil {
		return 0, fmt.Errorf("store: unack %s: %w", key, err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// Acks returns every acknowledgement, by source, symbol and date.
func (s *Store) Acks(ctx context.Context) ([]Ack, error) {
	rows, err := s.db.QueryContext(ctx,
		`SELECT source, symbol, from_date, to_date, reason, acked_at FROM acks ORDER BY source, symbol, from_date`)
	if err != nil {
		return nil, fmt.Errorf("store: read acks: %w", err)
	}
	defer rows.Close()
	var out []Ack
	for rows.Next() {
		var a Ack
		if err := rows.Scan(&a.Source, &a.Symbol, dateScanner{&a.From}, dateScanner{&a.To}, &a.Reason, timeScanner{&a.At}); err != nil {
			return nil, fmt.Errorf("store: read acks: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// ProblemState is what the database remembers of a reported problem.
type ProblemState struct {
	Key       string
	FirstSeen time.Time
	LastSeen  time.Time
	Resolved  time.Time // zero while open
}

// SyncProblems records that the problems with the given keys are open at
// now, and that every other open problem the run covered is resolved. It
// returns the state each key had before (absent: new) and the problems
// resolved by this call, so a report can say what is new, what is still
// open since when, and what healed.
//
// covers says whether the run checked where a key lies (its market,
// source, instrument, date or job): a problem the run did not look at
// keeps its state and first sighting, for it is not known to have healed.
func (s *Store) SyncProblems(ctx context.Context, open []string, covers func(key string) bool, now time.Time) (before map[string]ProblemState, resolved []ProblemState, err error) {
	before = map[string]ProblemState{}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		clear(before)
		resolved = resolved[:0]
		rows, err := tx.QueryContext(ctx, `SELECT problem_key, first_seen, last_seen FROM problems WHERE resolved IS NULL`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var p ProblemState
			if err := rows.Scan(&p.Key, timeScanner{&p.FirstSeen}, timeScanner{&p.LastSeen}); err != nil {
				rows.Close()
				return err
			}
			before[p.Key] = p
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		stillOpen := make(map[string]bool, len(open))
		upsert := `INSERT INTO problems (problem_key, first_seen, last_seen, acked, resolved) VALUES (?, ?, ?, FALSE, NULL)` +
			s.d.upsert([]string{"problem_key"}, []string{"last_seen", "resolved"})
		for _, k := range open {
			stillOpen[k] = true
			first := now
			if p, ok := before[k]; ok {
				first = p.FirstSeen
			}
			// first_seen is only written for a new row: the upsert leaves it.
			if _, err := tx.ExecContext(ctx, upsert, k, first.UTC(), now.UTC()); err != nil {
				return err
			}
		}
		for k, p := range before {
			if stillOpen[k] || !covers(k) {
				continue
			}
			if _, err := tx.ExecContext(ctx, `UPDATE problems SET resolved = ? WHERE problem_key = ?`, now.UTC(), k); err != nil {
				return err
			}
			p.Resolved = now.UTC()
			resolved = append(resolved, p)
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("store: record problems: %w", err)
	}
	return before, resolved, nil
}

// CalendarOverride opens or closes one date of a market's calendar at run
// time, for closures announced after a release.
type CalendarOverride struct {
	Market string
	Date   market.Date
	Open   bool
	Reason string
}

// SetCalendarOverride records an override, replacing one for the same date.
func (s *Store) SetCalendarOverride(ctx context.Context, o CalendarOverride) error {
	q := `INSERT INTO calendar_overrides (market, day, is_open, reason) VALUES (?, ?, ?, ?)` +
		s.d.upsert([]string{"market", "day"}, []string{"is_open", "reason"})
	if _, err := s.db.ExecContext(ctx, q, o.Market, o.Date.String(), o.Open, o.Reason); err != nil {
		return fmt.Errorf("store: calendar override %s %s: %w", o.Market, o.Date, err)
	}
	return nil
}

// CalendarOverrides returns a market's overrides by date, in the form the
// calendars apply them (calendar.Book reads them through this).
func (s *Store) CalendarOverrides(ctx context.Context, mkt string) ([]calendar.Override, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT day, is_open, reason FROM calendar_overrides WHERE market = ? ORDER BY day`, mkt)
	if err != nil {
		return nil, fmt.Errorf("store: calendar overrides of %s: %w", mkt, err)
	}
	defer rows.Close()
	var out []calendar.Override
	for rows.Next() {
		var o calendar.Override
		if err := rows.Scan(dateScanner{&o.Date}, &o.Open, &o.Reason); err != nil {
			return nil, fmt.Errorf("store: calendar overrides of %s: %w", mkt, err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// UnsentReport is a validation email that could not be delivered.
type UnsentReport struct {
	ID         int64
	Created    time.Time
	Subject    string
	Text, HTML string
	Error      string
}

// AddUnsentReport keeps a report whose email failed, with why.
func (s *Store) AddUnsentReport(ctx context.Context, r UnsentReport) error {
	_, err := s.db.ExecContext(ctx,
		`INSERT INTO unsent_reports (created_at, subject, body_text, body_html, error) VALUES (?, ?, ?, ?, ?)`,
		r.Created.UTC(), r.Subject, r.Text, r.HTML, r.Error)
	if err != nil {
		return fmt.Errorf("store: keep unsent report %q: %w", r.Subject, err)
	}
	return nil
}

// UnsentReports returns the reports waiting to be sent, oldest first.
func (s *Store) UnsentReports(ctx context.Context) ([]UnsentReport, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, created_at, subject, body_text, body_html, error FROM unsent_reports ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: read unsent reports: %w", err)
	}
	defer rows.Close()
	var out []UnsentReport
	for rows.Next() {
		var r UnsentReport
		if err := rows.Scan(&r.ID, timeScanner{&r.Created}, &r.Subject, &r.Text, &r.HTML, &r.Error); err != nil {
			return nil, fmt.Errorf("store: read unsent reports: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// DeleteUnsentReport forgets a report once it has been sent.
func (s *Store) DeleteUnsentReport(ctx context.Context, id int64) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM unsent_reports WHERE id = ?`, id); err != nil {
		return fmt.Errorf("store: forget unsent report %d: %w", id, err)
	}
	return nil
}
