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
	sent := int64(len(l.rows))
	stored, warnings, err := l.load(ctx, l.tx, "bars", barCols, &barReader{rows: l.rows, now: l.now})
	l.rows = l.rows[:0]
	if err != nil {
		return err
	}
	if stored != sent || warnings != 0 {
		return fmt.Errorf("%w: %d of %d rows stored, %d warnings", errBulkRefused, stored, sent, warnings)
	}
	return nil
}

// barReader renders rows in the loader's format as the loader reads them,
// a chunk at a time, so that rendering overlaps the server's work.
type barReader struct {
	rows []newBar
	now  []byte
	buf  []byte
	off  int
}

// barChunk is how much text barReader renders ahead of the loader.
const barChunk = 32 << 10

func (r *barReader) Read(p []byte) (int, error) {
	if r.off == len(r.buf) {
		if len(r.rows) == 0 {
			return 0, io.EOF
		}
		if r.buf == nil {
			r.buf = make([]byte, 0, barChunk+512)
		}
		r.buf, r.off = r.buf[:0], 0
		for len(r.rows) > 0 && len(r.buf) < barChunk {
			b := r.rows[0]
			r.rows = r.rows[1:]
			r.buf = appendBarTSV(r.buf, b.w.Key, b.w.Bars[b.i], b.final, r.now)
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
	null := func(d sql.Null[market.Decimal]) {
		b = append(b, '\t')
		if d.Valid {
			b = d.V.Append(b)
		} else {
			b = append(b, `\N`...)
		}
	}
	null(bar.Open)
	null(bar.High)
	null(bar.Low)
	b = append(b, '\t')
	b = bar.Close.Append(b)
	null(bar.AdjClose)
	b = append(b, '\t')
	if bar.Volume.Valid {
		b = strconv.AppendInt(b, bar.Volume.V, 10)
	} else {
		b = append(b, `\N`...)
	}
	b = append(b, '\t', boolDigit(bar.Halted), '\t', boolDigit(final), '\t')
	b = append(b, now...)
	return append(b, '\n')
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
