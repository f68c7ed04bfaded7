package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
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

// maxBulkBytes bounds the rows held for one bulk load. Past a few MB a
// larger load is no faster, only larger in memory.
const maxBulkBytes = 4 << 20

// bulkLoad accumulates rows known to be new (absent when read in the same
// transaction) and appends them to a table through the dialect's bulk
// loader, one load per maxBulkBytes.
type bulkLoad struct {
	tx    *sql.Tx
	load  BulkLoader
	table string
	cols  []string
	now   []byte // the fetched_at of every row, formatted once
	buf   []byte
	rows  int64
}

// newBulkLoad returns a bulkLoad for up to rows rows stamped now.
func newBulkLoad(tx *sql.Tx, load BulkLoader, table string, cols []string, rows int, now time.Time) *bulkLoad {
	// Sized once: growing a buffer of megabytes by appends costs more
	// than rendering the rows (measured: a third of the client's CPU).
	const rowBytes = 128
	return &bulkLoad{
		tx: tx, load: load, table: table, cols: cols,
		now: now.AppendFormat(nil, "2006-01-02 15:04:05.000000"),
		buf: make([]byte, 0, min(rows*rowBytes, maxBulkBytes)+4*rowBytes),
	}
}

// addBar queues one new bar row in the order of barCols.
func (l *bulkLoad) addBar(ctx context.Context, k market.Key, bar market.Bar, final bool) error {
	if len(l.buf) >= maxBulkBytes {
		if err := l.flush(ctx); err != nil {
			return err
		}
	}
	l.buf = appendBarTSV(l.buf, k, bar, final, l.now)
	l.rows++
	return nil
}

func (l *bulkLoad) flush(ctx context.Context) error {
	if l.rows == 0 {
		return nil
	}
	stored, warnings, err := l.load(ctx, l.tx, l.table, l.cols, bytes.NewReader(l.buf))
	sent := l.rows
	l.buf, l.rows = l.buf[:0], 0
	if err != nil {
		return err
	}
	if stored != sent || warnings != 0 {
		return fmt.Errorf("%w: %d of %d rows stored, %d warnings", errBulkRefused, stored, sent, warnings)
	}
	return nil
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
