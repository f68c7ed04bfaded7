package sourcetest

import (
	"time"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/market/calendar"
)

// Sessions is the part of an exchange calendar the simulated market needs.
// *calendar.Calendar satisfies it.
type Sessions interface {
	// Sessions returns the sessions from from to to inclusive, ascending.
	Sessions(from, to market.Date) []market.Date
}

// Weekdays is a calendar with a session on every Monday to Friday: the
// simplest market, for tests that want no holidays.
type Weekdays struct{}

// Sessions implements Sessions.
func (Weekdays) Sessions(from, to market.Date) []market.Date {
	var out []market.Date
	for d := from; d <= to; d = d.AddDays(1) {
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			out = append(out, d)
		}
	}
	return out
}

// defaultCalendar returns the real exchange calendar of mic, or weekdays
// when sources/market/calendar does not know the market.
func defaultCalendar(mic string) Sessions {
	if c, err := calendar.For(mic); err == nil {
		return c
	}
	return Weekdays{}
}
