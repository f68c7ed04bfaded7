package collector

import (
	"context"
	"fmt"
	"time"

	"github.com/marketd/marketd/sources/market"
)

// LatestMinutesReader is the part of the store minute freshness reads.
type LatestMinutesReader interface {
	LatestMinutes(ctx context.Context, iv market.Interval, keys []market.Key) (map[market.Key]time.Time, error)
}

// MinuteFreshness is where one instrument's minute archive stands at a
// moment.
type MinuteFreshness struct {
	Key      market.Key
	Interval market.Interval
	Latest   time.Time // the last stored bar's start, UTC; zero when none
	// LastClosed is its market's last closed session, and Expected the
	// start of that session's last bar of Interval (UTC).
	LastClosed market.Date
	Expected   time.Time
	loc        *time.Location
}

// Behind reports whether the archive has a closed session to fetch for
// the instrument: its last stored minute is in a session before its
// market's last closed one (ArchiveMinutes' rule). An instrument that did
// not trade in the last minutes of a session it has is not behind: its
// Latest is before Expected, and status shows both.
func (f MinuteFreshness) Behind() bool {
	return f.Latest.IsZero() || market.DateOf(f.Latest.In(f.loc)) < f.LastClosed
}

// MinuteFreshnessOf returns the minute freshness at now of the
// instruments of insts that have an intraday interval, in their order.
func MinuteFreshnessOf(ctx context.Context, st LatestMinutesReader, cals func(ctx context.Context, market string) (Calendar, error),
	now time.Time, insts []market.Instrument) ([]MinuteFreshness, error) {
	keys := map[market.Interval][]market.Key{}
	for _, in := range insts {
		if in.Intraday.Intraday() {
			keys[in.Intraday] = append(keys[in.Intraday], in.Key)
		}
	}
	latest := map[market.Interval]map[market.Key]time.Time{}
	for iv, ks := range keys {
		m, err := st.LatestMinutes(ctx, iv, ks)
		if err != nil {
			return nil, fmt.Errorf("collector: read the %s minute watermarks: %w", iv, err)
		}
		latest[iv] = m
	}
	var out []MinuteFreshness
	for _, in := range insts {
		if !in.Intraday.Intraday() {
			continue
		}
		cal, err := calendarOf(ctx, cals, in.Market)
		if err != nil {
			return nil, fmt.Errorf("collector: calendar of market %q (%s): %w", in.Market, in.Key, err)
		}
		f := MinuteFreshness{Key: in.Key, Interval: in.Intraday, Latest: latest[in.Intraday][in.Key], loc: market.ZoneOf(in.Market),
			LastClosed: cal.LastClosed(now)}
		if bc, ok := cal.(interface {
			BarStarts(market.Date, market.Interval) []time.Time
		}); ok {
			if starts := bc.BarStarts(f.LastClosed, in.Intraday); len(starts) > 0 {
				f.Expected = starts[len(starts)-1]
			}
		}
		out = append(out, f)
	}
	return out, nil
}
