package calendar

import (
	"errors"
	"slices"
	"sort"
	"time"

	"github.com/marketd/marketd/sources/market"
)

// ErrNoTable marks a market with no holiday table: not in the registry, or
// a row without a calendar. Its sessions can only be inferred (Infer).
var ErrNoTable = errors.New("no holiday table")

// unregistered is the registry's refusal of a market code, which is also
// an ErrNoTable: its message is the registry's alone.
type unregistered struct{ err error }

func (e unregistered) Error() string   { return e.err.Error() }
func (e unregistered) Unwrap() []error { return []error{e.err, ErrNoTable} }

// Table is the calendar an inferred one continues after its last year:
// a *Calendar, overrides applied or not.
type Table interface {
	Market() market.Market
	IsSession(d market.Date) bool
	Holiday(d market.Date) (reason string, ok bool)
	Sessions(from, to market.Date) []market.Date
	Next(d market.Date) market.Date
	Prev(d market.Date) market.Date
	LastClosed(now time.Time) market.Date
	LastYear() int
	Covers(d market.Date) bool
}

// Inferred is a calendar whose sessions come from the data rather than a
// holiday table: a date is a session when enough instruments of the market
// have a bar on it (Quorum). It stands in for a market with no table, and
// continues a table past its last year, so that neither invents sessions
// from weekdays.
type Inferred struct {
	mkt  market.Market
	base Table       // nil: no table at all
	end  market.Date // the last date base decides; 0 without base
	days []market.Date
}

// Quorum is how many instruments need a bar on a date for Infer to make it
// a session, given how many instruments the market has: one below three,
// so that one instrument missing a day another has is a gap; two from
// three on, so that one instrument's stray bar on a closed day does not
// make a session all the others miss.
func Quorum(instruments int) int {
	if instruments < 3 {
		return 1
	}
	return 2
}

// Infer returns mkt's calendar with the sessions after base's last year
// (all of them when base is nil) inferred from traded: how many
// instruments of the market have a bar on each date.
func Infer(mkt market.Market, base Table, traded map[market.Date]int, instruments int) *Inferred {
	c := &Inferred{mkt: mkt, base: base}
	if base != nil {
		c.end = market.NewDate(base.LastYear(), time.December, 31)
	}
	q := Quorum(instruments)
	for d, n := range traded {
		if d > c.end && n >= q && valid(d) {
			c.days = append(c.days, d)
		}
	}
	slices.Sort(c.days)
	return c
}

// From returns the first date whose sessions are inferred.
func (c *Inferred) From() market.Date {
	if c.base == nil {
		return 0
	}
	return c.end.AddDays(1)
}

// Market returns the market the calendar belongs to.
func (c *Inferred) Market() market.Market { return c.mkt }

// LastYear returns the last year of the table, 0 without one.
func (c *Inferred) LastYear() int {
	if c.base == nil {
		return 0
	}
	return c.base.LastYear()
}

// Covers reports whether a holiday table decides d: false for the
// inferred dates, on which no bar can be said to be on a closed day.
func (c *Inferred) Covers(d market.Date) bool {
	return c.base != nil && d <= c.end && c.base.Covers(d)
}

// IsSession reports whether d is a session.
func (c *Inferred) IsSession(d market.Date) bool {
	if c.base != nil && d <= c.end {
		return c.base.IsSession(d)
	}
	_, ok := slices.BinarySearch(c.days, d)
	return ok
}

// Holiday reports the table's closure on d; inferred dates have none.
func (c *Inferred) Holiday(d market.Date) (string, bool) {
	if c.base != nil && d <= c.end {
		return c.base.Holiday(d)
	}
	return "", false
}

// Sessions returns the sessions from from to to inclusive, ascending.
func (c *Inferred) Sessions(from, to market.Date) []market.Date {
	if from > to {
		return nil
	}
	var out []market.Date
	if c.base != nil && from <= c.end {
		out = c.base.Sessions(from, min(to, c.end))
	}
	i := sort.Search(len(c.days), func(i int) bool { return c.days[i] >= from })
	for ; i < len(c.days) && c.days[i] <= to; i++ {
		out = append(out, c.days[i])
	}
	return out
}

// Next returns the first session strictly after d (0 if none is known).
func (c *Inferred) Next(d market.Date) market.Date {
	if c.base != nil && d < c.end {
		if s := c.base.Next(d); s != 0 && s <= c.end {
			return s
		}
	}
	i := sort.Search(len(c.days), func(i int) bool { return c.days[i] > d })
	if i < len(c.days) {
		return c.days[i]
	}
	return 0
}

// Prev returns the last session strictly before d (0 if none is known).
func (c *Inferred) Prev(d market.Date) market.Date {
	i := sort.Search(len(c.days), func(i int) bool { return c.days[i] >= d })
	if i > 0 {
		return c.days[i-1]
	}
	if c.base != nil {
		return c.base.Prev(min(d, c.end.AddDays(1)))
	}
	return 0
}

// LastClosed returns the latest session closed at now: the table's while
// it lasts, then the latest inferred session up to the day the table's
// rules say closed last; without a table, the latest inferred session
// before the market's today (today's bar may still move).
func (c *Inferred) LastClosed(now time.Time) market.Date {
	if c.base == nil {
		return c.Prev(c.mkt.Today(now))
	}
	t := c.base.LastClosed(now)
	if t <= c.end {
		return t
	}
	return c.Prev(t.AddDays(1))
}
