package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/marketd/marketd/sources/market"
)

const minuteSelectCols = `starts_at, open, high, low, close, volume`

func scanMinuteBar(rows *sql.Rows, extra ...any) (market.MinuteBar, error) {
	var b market.MinuteBar
	var cl sql.Null[market.Decimal]
	dest := append(extra, timeScanner{&b.Start}, decimalScanner{&b.Open}, decimalScanner{&b.High},
		decimalScanner{&b.Low}, decimalScanner{&cl}, &b.Volume)
	if err := rows.Scan(dest...); err != nil {
		return b, err
	}
	b.Close = cl.V
	return b, nil
}

// MinuteBars returns key's bars of interval iv starting in [from, to), in
// order of start, each start in UTC. A zero from or to leaves that end open.
func (s *Store) MinuteBars(ctx context.Context, key market.Key, iv market.Interval, from, to time.Time) ([]market.MinuteBar, error) {
	if !iv.Intraday() {
		return nil, fmt.Errorf("store: read minute bars of %s: %w: interval %s is not intraday", key, ErrInvalid, iv)
	}
	query := `SELECT ` + minuteSelectCols + ` FROM minute_bars WHERE source = ? AND symbol = ? AND bar_interval = ?`
	// driver.Values, which the driver takes directly (eachRow).
	args := []any{key.Source, key.Symbol, int64(iv.Minutes())}
	if !from.IsZero() {
		query += ` AND starts_at >= ?`
		args = append(args, minuteArg(from))
	}
	if !to.IsZero() {
		query += ` AND starts_at < ?`
		args = append(args, minuteArg(to))
	}
	var out []market.MinuteBar
	if !from.IsZero() && to.After(from) {
		// An exchange trades at most about a quarter of a range's minutes
		// (6.5 h a weekday at XNYS and KRX): room for that many bars saves
		// the doublings of a slice grown from nothing, which were an
		// eighth of a 30-session read's CPU (BenchmarkMinuteRead100M).
		// Crypto's round-the-clock bars still grow it.
		out = make([]market.MinuteBar, 0, min(int(to.Sub(from)/iv.Duration())/4, 1<<16))
	}
	err := s.eachRow(ctx, query+` ORDER BY starts_at`, args, func(v []driver.Value) error {
		b, err := minuteValues(v)
		if err != nil {
			return err
		}
		out = append(out, b)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: read %s minute bars of %s: %w", iv, key, err)
	}
	return out, nil
}

// minuteValues decodes the driver's values of one minute_bars row
// (minuteSelectCols) in place, as scanValues does for daily bars: a read
// of 30 sessions is 11,700 rows.
func minuteValues(v []driver.Value) (market.MinuteBar, error) {
	var b market.MinuteBar
	var err error
	switch t := v[0].(type) {
	case time.Time:
		b.Start = t.UTC()
	default:
		var start time.Time
		if err := (timeScanner{&start}).Scan(t); err != nil {
			return b, err
		}
		b.Start = start
	}
	for i, dst := range []*sql.Null[market.Decimal]{&b.Open, &b.High, &b.Low} {
		if *dst, err = decimalValue(v[1+i]); err != nil {
			return b, err
		}
	}
	cl, err := decimalValue(v[4])
	if err != nil {
		return b, err
	}
	b.Close = cl.V
	b.Volume, err = volumeValue(v[5])
	return b, err
}

// minuteArg renders a bound of a range of starts. Stored starts are whole
// minutes, so a bound within a minute is moved to the first start the
// range holds: up for both ends (from is inclusive, to exclusive).
func minuteArg(t time.Time) string {
	t = t.UTC()
	if r := t.Truncate(time.Minute); !r.Equal(t) {
		t = r.Add(time.Minute)
	}
	return t.Format(minuteLayout)
}

// latestMinutesChunk is how many instruments one LatestMinutes statement
// asks about: each is its own lookup at the end of a primary-key range.
const latestMinutesChunk = 200

// LatestMinutes returns the start of the last stored bar of interval iv
// of each of keys, in UTC: the minute watermark the archive resumes from.
// Keys with no bar of iv are absent from the map.
func (s *Store) LatestMinutes(ctx context.Context, iv market.Interval, keys []market.Key) (map[market.Key]time.Time, error) {
	if !iv.Intraday() {
		return nil, fmt.Errorf("store: latest minute bars: %w: interval %s is not intraday", ErrInvalid, iv)
	}
	out := make(map[market.Key]time.Time, len(keys))
	for chunk := range slices.Chunk(keys, latestMinutesChunk) {
		// One MAX per instrument, each read from the end of its own range
		// of the primary key; a GROUP BY over an IN list may scan them.
		var q strings.Builder
		args := make([]any, 0, 3*len(chunk))
		for i, k := range chunk {
			if i > 0 {
				q.WriteString(" UNION ALL ")
			}
			q.WriteString(`SELECT ?, ?, (SELECT MAX(starts_at) FROM minute_bars WHERE source = ? AND symbol = ? AND bar_interval = ?)`)
			args = append(args, k.Source, k.Symbol, k.Source, k.Symbol, iv.Minutes())
		}
		rows, err := s.db.QueryContext(ctx, q.String(), args...)
		if err != nil {
			return nil, fmt.Errorf("store: read latest %s minute bars: %w", iv, err)
		}
		for rows.Next() {
			var k market.Key
			var at time.Time
			if err := rows.Scan(&k.Source, &k.Symbol, timeScanner{&at}); err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: read latest %s minute bars: %w", iv, err)
			}
			if !at.IsZero() {
				out[k] = at
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("store: read latest %s minute bars: %w", iv, err)
		}
	}
	return out, nil
}
