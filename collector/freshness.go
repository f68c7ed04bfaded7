package collector

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/market/calendar"
)

// WatermarkReader is the part of the store freshness reads.
type WatermarkReader interface {
	Watermarks(ctx context.Context, source string) (map[market.Key]market.Date, error)
}

// Freshness is where one instrument's collection stands at a moment.
type Freshness struct {
	Key        market.Key
	Watermark  market.Date // the last date known complete; 0 when none
	LastClosed market.Date // its market's last closed session whose bar has settled (dueThrough)
}

// Behind reports whether collect has closed sessions to fetch for the
// instrument: its watermark has not reached its market's last closed
// session. An instrument with no watermark is behind.
func (f Freshness) Behind() bool { return f.Watermark < f.LastClosed }

// FreshnessOf returns the freshness of insts at now, in their order: what
// status shows per instrument and the instruments-behind metric counts.
func FreshnessOf(ctx context.Context, st WatermarkReader, cals func(ctx context.Context, market string) (Calendar, error),
	now time.Time, insts []market.Instrument) ([]Freshness, error) {
	marks := map[string]map[market.Key]market.Date{}
	closed := map[string]market.Date{}
	out := make([]Freshness, len(insts))
	for i, in := range insts {
		wm, ok := marks[in.Source]
		if !ok {
			var err error
			if wm, err = st.Watermarks(ctx, in.Source); err != nil {
				return nil, fmt.Errorf("collector: read watermarks of %s: %w", in.Source, err)
			}
			marks[in.Source] = wm
		}
		last, ok := closed[in.Market]
		if !ok {
			cal, err := calendarOf(ctx, cals, in.Market)
			if err != nil {
				return nil, fmt.Errorf("collector: calendar of market %q (%s): %w", in.Market, in.Key, err)
			}
			last = dueThrough(cal, in.Market, cal.LastClosed(now), now)
			closed[in.Market] = last
		}
		out[i] = Freshness{Key: in.Key, Watermark: wm[in.Key], LastClosed: last}
	}
	return out, nil
}

// calendarOf returns a market's calendar. A market with no holiday table is
// collected every day up to yesterday (UTC): the source answers the
// sessions it had, and the validator infers the calendar from them.
func calendarOf(ctx context.Context, cals func(ctx context.Context, market string) (Calendar, error), code string) (Calendar, error) {
	cal, err := cals(ctx, code)
	if errors.Is(err, calendar.ErrNoTable) {
		return calendar.For(market.CRYPTO)
	}
	return cal, err
}
