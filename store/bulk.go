package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/marketd/marketd/sources/market"
)

// errBulkRefused reports that the bulk loader stored fewer rows than it was
// sent, or raised warnings. MySQL's LOAD DATA LOCAL skips a row it refuses
// (a CHECK constraint, a duplicate key) with a warning instead of failing,
// so Write abandons such a transaction and writes the batch again through
// INSERT, which fails on the bad row and names its instrument.
var errBulkRefused = errors.New("bulk load refused rows")

// maxBulkRows bounds the rows of one bulk load. The rows are streamed,
// rendered as the loader reads them, so a load holds only references to
// the caller's bars; past ten thousand rows or so a larger load is no
// faster.
const maxBulkRows = 1 << 14

// bulkLoad accumulates bars known to be new (absent when read in the same
// transaction) and appends them to the bars table through the dialect's
// bulk loader.
type bulkLoad struct {
	tx   *sql.Tx
	load BulkLoader
	now  []byte // the fetched_at of every row, formatted once
	rows []newBar
}

// newBar is one bar of a Write to load: w.Bars[i].
type newBar struct {
	w     *Write
	i     int32
	final bool
}

func newBulkLoad(tx *sql.Tx, load BulkLoader, now time.Time) *bulkLoad {
	return &bulkLoad{tx: tx, load: load, now: now.AppendFormat(nil, "2006-01-02 15:04:05.000000")}
}

// add queues w.Bars[i], final or not.
func (l *bulkLoad) add(ctx context.Context, w *Write, i int, final bool) error {
	if len(l.rows) >= maxBulkRows {
		if err := l.flush(ctx); err != nil {
			return err
		}
	}
	l.rows = append(l.rows, newBar{w: w, i: int32(i), final: final})
	return nil
}

func (l *bulkLoad) flush(ctx context.Context) error {
	if len(l.rows) == 0 {
		return nil
	}
	err := loadRows(ctx, l.tx, l.load, "bars", barCols, len(l.rows), barReader(l.rows, l.now))
	l.rows = l.rows[:0]
	return err
}

// loadRows has load append the n rows r renders to table, and reports a
// refusal (fewer rows stored, or any warning) as errBulkRefused.
func loadRows(ctx context.Context, tx *sql.Tx, load BulkLoader, table string, cols []string, n int, r io.Reader) error {
	stored, warnings, err := load(ctx, tx, table, cols, r)
	if err != nil {
		return err
	}
	if stored != int64(n) || warnings != 0 {
		return fmt.Errorf("%w: %d of %d rows stored, %d warnings", errBulkRefused, stored, n, warnings)
	}
	return nil
}

// barReader renders rows in the loader's format as the loader reads them,
// a chunk at a time, so that rendering overlaps the server's work.
func barReader(rows []newBar, now []byte) *tsvReader {
	return &tsvReader{rows: len(rows), render: func(b []byte, i int) []byte {
		r := rows[i]
		return appendBarTSV(b, r.w.Key, r.w.Bars[r.i], r.final, now)
	}}
}

// tsvReader hands a bulk loader rows rendered by render, a chunk at a
// time.
type tsvReader struct {
	rows   int
	render func(b []byte, i int) []byte // appends row i
	next   int
	buf    []byte
	off    int
}

// barChunk is how much text a tsvReader renders ahead of the loader.
const barChunk = 32 << 10

func (r *tsvReader) Read(p []byte) (int, error) {
	if r.off == len(r.buf) {
		if r.next == r.rows {
			return 0, io.EOF
		}
		if r.buf == nil {
			r.buf = make([]byte, 0, barChunk+512)
		}
		r.buf, r.off = r.buf[:0], 0
		for r.next < r.rows && len(r.buf) < barChunk {
			r.buf = r.render(r.buf, r.next)
			r.next++
		}
	}
	n := copy(p, r.buf[r.off:])
	r.off += n
	return n, nil
}

// appendBarTSV renders one bar as a line of the bulk loader's format: tab
// separated, \N for NULL. Keys passed validKey, so they hold no tab,
// newline or backslash.
func appendBarTSV(b []byte, k market.Key, bar market.Bar, final bool, now []byte) []byte {
	b = append(b, k.Source...)
	b = append(b, '\t')
	b = append(b, k.Symbol...)
	b = append(b, '\t')
	b = appendDate(b, bar.Date)
	b = appendTSVNull(b, bar.Open)
	b = appendTSVNull(b, bar.High)
	b = appendTSVNull(b, bar.Low)
	b = append(b, '\t')
	b = bar.Close.Append(b)
	b = appendTSVNull(b, bar.AdjClose)
	b = appendTSVVolume(b, bar.Volume)
	b = append(b, '\t', boolDigit(bar.Halted), '\t', boolDigit(final), '\t')
	b = append(b, now...)
	return append(b, '\n')
}

// appendTSVNull appends a tab and d, or \N when d is missing.
func appendTSVNull(b []byte, d sql.Null[market.Decimal]) []byte {
	b = append(b, '\t')
	if !d.Valid {
		return append(b, `\N`...)
	}
	return d.V.Append(b)
}

// appendTSVVolume appends a tab and v, or \N when v is missing.
func appendTSVVolume(b []byte, v sql.Null[int64]) []byte {
	b = append(b, '\t')
	if !v.Valid {
		return append(b, `\N`...)
	}
	return strconv.AppendInt(b, v.V, 10)
}

// appendDate appends d as YYYY-MM-DD, as Date.String does without fmt:
// formatting a million dates through fmt costs more than loading them.
func appendDate(b []byte, d market.Date) []byte {
	y, m, day := d.Year(), int(d.Month()), d.Day()
	if y < 0 || y > 9999 {
		return append(b, d.String()...)
	}
	return append(b, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+m/10), byte('0'+m%10), '-', byte('0'+day/10), byte('0'+day%10))
}

func boolDigit(v bool) byte {
	if v {
		return '1'
	}
	return '0'
}
