package validate

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/market/calendar"
)

// calendarNote says how a pass's sessions were decided, when not by a
// holiday table alone.
type calendarNote struct {
	text  string      // the summary's Calendar; "" for a table
	ended bool        // the table ends before the window does
	from  market.Date // the first inferred date, when ended
}

// calendar returns the calendar a (market, source) pass checks on: the
// market's table while it lasts; sessions inferred from the stored bars of
// the pass's instruments where it has none (a market the registry lacks)
// or after its last year, rather than sessions invented from weekdays.
func (v *Validator) calendar(ctx context.Context, code, source string, symbols []string) (Calendar, calendarNote, error) {
	base, err := v.calendars(ctx, code)
	var mkt market.Market
	switch {
	case errors.Is(err, calendar.ErrNoTable):
		base = nil
		mkt = market.Market{Code: code, Name: code, Location: time.UTC}
	case err != nil:
		return nil, calendarNote{}, err
	default:
		if base.Covers(base.LastClosed(v.now)) {
			return base, calendarNote{}, nil
		}
		mkt = base.Market()
	}
	var lo market.Date
	if base != nil {
		lo = market.NewDate(base.LastYear()+1, time.January, 1)
	}
	traded := map[market.Date]int{}
	hi := mkt.Today(v.now).AddDays(366)
	err = v.store.ScanBarsOf(ctx, source, symbols, lo, hi, func(_ market.Key, b market.Bar) error {
		traded[b.Date]++
		return nil
	})
	if err != nil {
		return nil, calendarNote{}, fmt.Errorf("reading the dates %s instruments on %s traded: %w", source, code, err)
	}
	inferred := calendar.Infer(mkt, base, traded, len(symbols))
	if base != nil {
		from := inferred.From()
		return inferred, calendarNote{ended: true, from: from,
			text: fmt.Sprintf("holiday table to %d; sessions from %s inferred from the stored bars", base.LastYear(), from)}, nil
	}
	text := fmt.Sprintf("no holiday table for %s: sessions inferred from the stored bars (a date is a session when %d or more of the %d instruments have a bar)",
		code, calendar.Quorum(len(symbols)), len(symbols))
	if len(symbols) == 1 {
		text = fmt.Sprintf("no holiday table for %s and a single instrument: sessions inferred from its own bars, so no gap check was possible", code)
	}
	return inferred, calendarNote{text: text}, nil
}
