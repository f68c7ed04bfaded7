package calendar

import (
	"fmt"
	"time"

	"github.com/marketd/marketd/sources/market"
)

// indexAhead is how many years past a table's last year the session index
// reaches; later dates are still answered, day by day, from the rules.
const indexAhead = 30

// maxGap bounds the search of Next and Prev: no exchange closes for ten
// years, so a search that long means there is no such session.
const maxGap = 3660

// Calendar is the session calendar of one exchange.
type Calendar struct {
	mkt         market.Market
	first, last int                    // years the table is complete for
	table       map[market.Date]string // listed weekday closures
	// complete: inside first..last, the table alone decides weekdays (XKRX,
	// whose holidays cannot be computed); otherwise the rules apply too (XNYS).
	complete  bool
	rules     func(year int) map[market.Date]string
	ruled     map[market.Date]string // rules materialised for the indexed years
	ruledTo   int                    // last year in ruled
	overrides map[market.Date]Override
	idx       index
}

// Override corrects the calendar at runtime, from the database or the
// configuration: Open false closes an extra day (a new temporary holiday),
// Open true opens a listed holiday.
type Override struct {
	Date   market.Date
	Open   bool
	Reason string
}

// Closure is a weekday on which the exchange is closed, and why.
type Closure struct {
	Date   market.Date
	Reason string
}

// For returns the calendar of a market: XKRX or XNYS, or an alias that
// market.LookupMarket accepts (KOSPI, KOSDAQ, NYSE, NASDAQ, ...).
func For(code string) (*Calendar, error) {
	m, err := market.LookupMarket(code)
	if err != nil {
		return nil, fmt.Errorf("calendar: %w", err)
	}
	var (
		t        table
		complete bool
		rules    func(int) map[market.Date]string
	)
	switch m.Code {
	case market.XKRX:
		t, err = parseTable("data/xkrx.csv", xkrxTable)
		complete, rules = true, xkrxRules
	case market.XNYS:
		t, err = parseTable("data/xnys_special.csv", xnysSpecialTable)
		rules = xnysRules
	default:
		return nil, fmt.Errorf("calendar: no calendar for market %s", m.Code)
	}
	if err != nil {
		return nil, fmt.Errorf("calendar %s: %w", m.Code, err)
	}
	c := &Calendar{
		mkt: m, first: t.first, last: t.last, table: t.closures,
		complete: complete, rules: rules, ruled: make(map[market.Date]string),
		ruledTo: t.last + indexAhead,
	}
	for y := t.first; y <= c.ruledTo; y++ {
		if complete && y <= t.last {
			continue
		}
		for d, r := range rules(y) {
			c.ruled[d] = r
		}
	}
	c.idx = buildIndex(market.NewDate(t.first, time.January, 1), market.NewDate(c.ruledTo, time.December, 31), c.open)
	return c, nil
}

// WithOverrides returns a copy of c with overrides applied on top of the
// ones c already has (a later override of the same date wins). Invalid dates
// are skipped: parse them with market.ParseDate, which names the bad value.
func (c *Calendar) WithOverrides(overrides []Override) *Calendar {
	n := *c
	n.overrides = make(map[market.Date]Override, len(c.overrides)+len(overrides))
	for d, o := range c.overrides {
		n.overrides[d] = o
	}
	for _, o := range overrides {
		if valid(o.Date) {
			n.overrides[o.Date] = o
		}
	}
	n.idx = buildIndex(c.idx.start, c.idx.end, n.open)
	return &n
}

// Market returns the exchange the calendar belongs to.
func (c *Calendar) Market() market.Market { return c.mkt }

// FirstYear returns the first year the holiday table is complete for.
func (c *Calendar) FirstYear() int { return c.first }

// LastYear returns the last year the holiday table is complete for.
func (c *Calendar) LastYear() int { return c.last }

// Covers reports whether the holiday table is complete for d's year. Outside
// it the calendar knows weekends and rule-based holidays only, so a session
// there may be an unlisted closure.
func (c *Calendar) Covers(d market.Date) bool {
	return d.Year() >= c.first && d.Year() <= c.last
}

// IsSession reports whether the exchange holds a regular session on d.
func (c *Calendar) IsSession(d market.Date) bool {
	if !valid(d) {
		return false
	}
	if c.idx.contains(d) {
		return c.idx.isSession(d)
	}
	return c.open(d)
}

// Holiday reports why the exchange is closed on the weekday d. Weekends are
// not holidays (IsSession tells them); neither is an invalid date.
func (c *Calendar) Holiday(d market.Date) (reason string, ok bool) {
	if !valid(d) {
		return "", false
	}
	if o, ok := c.overrides[d]; ok {
		if o.Open {
			return "", false
		}
		if o.Reason == "" {
			return "closed by override", true
		}
		return o.Reason, true
	}
	if isWeekend(d) {
		return "", false
	}
	return c.listed(d)
}

// Holidays returns the weekday closures from from to to inclusive.
func (c *Calendar) Holidays(from, to market.Date) []Closure {
	if !valid(from) || !valid(to) {
		return nil
	}
	var out []Closure
	for d := from; d <= to; d = nextDay(d) {
		if r, ok := c.Holiday(d); ok {
			out = append(out, Closure{Date: d, Reason: r})
		}
	}
	return out
}

// Sessions returns the sessions from from to to inclusive, ascending, in a
// slice the caller owns.
func (c *Calendar) Sessions(from, to market.Date) []market.Date {
	if !valid(from) || !valid(to) || from > to {
		return nil
	}
	ix := &c.idx
	if ix.contains(from) && ix.contains(to) {
		return append([]market.Date(nil), ix.between(from, to)...)
	}
	var out []market.Date
	d := from
	for ; d <= to && d < ix.start; d = nextDay(d) {
		if c.open(d) {
			out = append(out, d)
		}
	}
	if d <= to && d <= ix.end {
		hi := min(to, ix.end)
		out = append(out, ix.between(d, hi)...)
		d = nextDay(hi)
	}
	for ; d <= to; d = nextDay(d) {
		if c.open(d) {
			out = append(out, d)
		}
	}
	return out
}

// Next returns the first session strictly after d (0 if there is none).
func (c *Calendar) Next(d market.Date) market.Date {
	if !valid(d) {
		return 0
	}
	if c.idx.contains(d) {
		if s, ok := c.idx.next(d); ok {
			return s
		}
	}
	s := nextDay(d)
	for range maxGap {
		if c.IsSession(s) {
			return s
		}
		s = nextDay(s)
	}
	return 0
}

// Prev returns the last session strictly before d (0 if there is none).
func (c *Calendar) Prev(d market.Date) market.Date {
	if !valid(d) {
		return 0
	}
	if c.idx.contains(d) {
		if s, ok := c.idx.prev(d); ok {
			return s
		}
	}
	s := prevDay(d)
	for range maxGap {
		if c.IsSession(s) {
			return s
		}
		s = prevDay(s)
	}
	return 0
}

// LastClosed returns the latest session whose regular close, in the
// exchange's zone, is at or before now.
func (c *Calendar) LastClosed(now time.Time) market.Date {
	local := now.In(c.mkt.Location)
	today := market.DateOf(local)
	if c.IsSession(today) && !local.Before(c.closeOf(today)) {
		return today
	}
	return c.Prev(today)
}

// closeOf returns the regular close of session d. It is built from the wall
// clock, not midnight plus a duration, so that it stays right on DST days.
func (c *Calendar) closeOf(d market.Date) time.Time {
	h := int(c.mkt.Close / time.Hour)
	m := int(c.mkt.Close % time.Hour / time.Minute)
	return time.Date(d.Year(), d.Month(), d.Day(), h, m, 0, 0, c.mkt.Location)
}

// open decides one day from the overrides, the table and the rules.
func (c *Calendar) open(d market.Date) bool {
	if o, ok := c.overrides[d]; ok {
		return o.Open
	}
	if isWeekend(d) {
		return false
	}
	_, closed := c.listed(d)
	return !closed
}

// listed returns the closure the table or the rules give a weekday.
func (c *Calendar) listed(d market.Date) (string, bool) {
	if r, ok := c.table[d]; ok {
		return r, true
	}
	if c.complete && c.Covers(d) {
		return "", false
	}
	if y := d.Year(); y >= c.first && y <= c.ruledTo {
		r, ok := c.ruled[d]
		return r, ok
	}
	r, ok := c.rules(d.Year())[d]
	return r, ok
}
