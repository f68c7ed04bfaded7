package store

import (
	"context"
	"fmt"
	"time"

	"github.com/marketd/marketd/sources/market"
)

// countBucket is how much of starts_at's text MinuteCounts groups by:
// "YYYY-MM-DD HH:M", ten minutes. A local midnight falls on a bucket's
// edge in every zone whose offset is a multiple of ten minutes (every
// market's zone: Kolkata's +5:30 included), so each bucket lies within one
// exchange date, and a session of 390 1m bars comes back as 39 rows.
const countBucket = len("2006-01-02 15:0")

// MinuteCounts returns how many bars of interval iv key has stored on each
// date from from to to inclusive, dates taken in loc (the exchange's zone):
// the validator compares them with the calendar's BarCount. Dates with no
// bar are absent from the map.
//
// It is one grouped query over the primary key's range of the series: the
// database counts, and only one row per ten minutes of bars travels.
func (s *Store) MinuteCounts(ctx context.Context, key market.Key, iv market.Interval, loc *time.Location, from, to market.Date) (map[market.Date]int, error) {
	switch {
	case !iv.Intraday():
		return nil, fmt.Errorf("store: count minute bars of %s: %w: interval %s is not intraday", key, ErrInvalid, iv)
	case loc == nil:
		return nil, fmt.Errorf("store: count minute bars of %s: %w: no time zone", key, ErrInvalid)
	case from.IsZero() || to.IsZero() || to < from:
		return nil, fmt.Errorf("store: count minute bars of %s: %w: dates %s..%s", key, ErrInvalid, from, to)
	}
	lo := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, loc)
	next := to.AddDays(1)
	hi := time.Date(next.Year(), next.Month(), next.Day(), 0, 0, 0, 0, loc)
	rows, err := s.db.QueryContext(ctx, fmt.Sprintf(`SELECT SUBSTR(starts_at, 1, %d), COUNT(*) FROM minute_bars
		WHERE source = ? AND symbol = ? AND bar_interval = ? AND starts_at >= ? AND starts_at < ?
		GROUP BY SUBSTR(starts_at, 1, %[1]d)`, countBucket),
		key.Source, key.Symbol, iv.Minutes(), minuteArg(lo), minuteArg(hi))
	if err != nil {
		return nil, fmt.Errorf("store: count %s minute bars of %s: %w", iv, key, err)
	}
	defer rows.Close()
	out := map[market.Date]int{}
	for rows.Next() {
		var bucket string
		var n int
		if err := rows.Scan(&bucket, &n); err != nil {
			return nil, fmt.Errorf("store: count %s minute bars of %s: %w", iv, key, err)
		}
		start, err := time.Parse(minuteLayout, bucket+"0:00")
		if err != nil {
			return nil, fmt.Errorf("store: count %s minute bars of %s: bucket %q: %w", iv, key, bucket, err)
		}
		out[market.DateOf(start.In(loc))] += n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: count %s minute bars of %s: %w", iv, key, err)
	}
	return out, nil
}
