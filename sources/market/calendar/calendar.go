package calendar

import (
	"errors"
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
	// everyDay: weekends are sessions too (crypto).
	everyDay bool
	// Hours: the table's regular eras and special days, in the table's
	// wall clock. A market that shares a table but keeps other hours (XFRA on
	// Xetra's holidays) has follows false and gets its own regular hours.
	eras     []era
	breaks   []era // midday breaks by era, in the table's wall clock
	special  map[market.Date]span
	clockLoc *time.Location
	follows  bool
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

// The pseudo-markets' calendars have no table: every day is a session
// (crypto), or every weekday (FX; Yahoo serves a bar for 25 December and
// 1 January too). They are complete over the years Yahoo has data for.
const alwaysFirst, alwaysLast = 1970, 2099

// For returns the calendar of a market: a MIC or an alias that
// market.LookupMarket accepts (KOSPI, NYSE, JPX, LSE, ...).
func For(code string) (*Calendar, error) {
	m, err := market.LookupMarket(code)
	if err != nil {
		return nil, fmt.Errorf("calendar: %w", unregistered{err})
	}
	var (
		t        table
		complete = true
		rules    func(int) map[market.Date]string
		everyDay bool
	)
	switch m.Calendar {
	case "always", "weekdays":
		t = table{first: alwaysFirst, last: alwaysLast}
		everyDay = m.Calendar == "always"
	case "xkrx":
		t, err = loadTable("xkrx")
		rules = xkrxRules
	case "xnys":
		t, err = loadTable("xnys_special")
		complete, rules = false, xnysRules
	case "":
		return nil, fmt.Errorf("calendar: market %s: %w", m.Code, ErrNoTable)
	default:
		t, err = loadTable(m.Calendar)
	}
	if err != nil {
		return nil, fmt.Errorf("calendar %s: %w", m.Code, err)
	}
	c := &Calendar{
		mkt: m, first: t.first, last: t.last, table: t.closures,
		complete: complete, rules: rules, ruled: make(map[market.Date]string),
		ruledTo: t.last + indexAhead, everyDay: everyDay,
		eras: t.eras, breaks: t.breaks, special: t.special, clockLoc: m.Location,
	}
	if t.zone != "" {
		if c.clockLoc, err = time.LoadLocation(t.zone); err != nil {
			return nil, fmt.Errorf("calendar %s: %w", m.Code, err)
		}
	}
	c.follows = c.keepsTableHours()
	if rules != nil {
		for y := t.first; y <= c.ruledTo; y++ {
			if complete && y <= t.last {
				continue
			}
			for d, r := range rules(y) {
				c.ruled[d] = r
			}
		}
	}
	c.idx = buildIndex(market.NewDate(t.first, time.January, 1), market.NewDate(c.ruledTo, time.December, 31), c.open)
	return c, nil
}

// keepsTableHours reports whether the market's regular session is the
// table's latest one, compared as instants on the day that era began.
func (c *Calendar) keepsTableHours() bool {
	if len(c.eras) == 0 {
		return true
	}
	e := c.eras[len(c.eras)-1]
	return at(e.from, e.open, c.clockLoc).Equal(at(e.from, c.mkt.Open, c.mkt.Location)) &&
		at(e.from, e.close, c.clockLoc).Equal(at(e.from, c.mkt.Close, c.mkt.Location))
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

// CheckYear refuses a year outside the holiday table. Before it nothing is
// known; after it only weekends and the rule-based holidays are, so a list
// of sessions there would pass guesses off as a calendar: the validator
// infers those years' sessions from the stored bars instead.
func (c *Calendar) CheckYear(year int) error {
	if year >= c.first && year <= c.last {
		return nil
	}
	err := fmt.Sprintf("the %s holiday table covers %d to %d", c.mkt.Code, c.first, c.last)
	if year > c.last {
		err += fmt.Sprintf("; %d's sessions are inferred from the stored bars by the validator", year)
	}
	return errors.New(err)
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

// Hours returns when session d opened and closed (or will), early closes
// and late openings included; ok is false on a day with no session. The
// market does not trade during the session's midday break, if it has one
// (Break).
func (c *Calendar) Hours(d market.Date) (open, close time.Time, ok bool) {
	if !c.IsSession(d) {
		return time.Time{}, time.Time{}, false
	}
	s := span{open: c.mkt.Open, close: c.mkt.Close}
	loc := c.mkt.Location
	if c.follows {
		if sp, ok := c.special[d]; ok {
			s, loc = sp, c.clockLoc
		} else if e, ok := c.eraOf(d); ok {
			s, loc = e.span, c.clockLoc
		}
	}
	return at(d, s.open, loc), at(d, s.close, loc), true
}

// Special returns why session d keeps other than its regular hours (an
// early close, a late opening, a weekend session), if it does.
func (c *Calendar) Special(d market.Date) (reason string, ok bool) {
	if !c.follows || !c.IsSession(d) {
		return "", false
	}
	s, ok := c.special[d]
	return s.reason, ok
}

// eraOf returns the regular hours in force on d: the latest era begun by
// then, or the first one for days before it.
func (c *Calendar) eraOf(d market.Date) (era, bool) {
	if len(c.eras) == 0 {
		return era{}, false
	}
	e := c.eras[0]
	for _, x := range c.eras[1:] {
		if x.from > d {
			break
		}
		e = x
	}
	return e, true
}

// Break returns session d's midday break (Tokyo, Hong Kong, Shanghai and
// Shenzhen stop trading at noon), as instants; ok is false on a day with no
// session, on a market that trades through the day (XNYS, XKRX, Europe)
// and on a session that closes before its break would begin (Hong Kong's
// half days close at 12:00, where the break starts). A close inside the
// break ends the session at the break's start: the afternoon never opens.
// Unlike hours, a break has no era before its first line: a table states
// when the market paused at noon.
func (c *Calendar) Break(d market.Date) (start, end time.Time, ok bool) {
	open, cls, ok := c.Hours(d)
	if !ok || !c.follows {
		return time.Time{}, time.Time{}, false
	}
	var b *era
	for i := range c.breaks {
		if c.breaks[i].from > d {
			break
		}
		b = &c.breaks[i]
	}
	if b == nil {
		return time.Time{}, time.Time{}, false
	}
	start, end = at(d, b.open, c.clockLoc), at(d, b.close, c.clockLoc)
	if !start.After(open) || !start.Before(cls) {
		return time.Time{}, time.Time{}, false
	}
	return start, end, true
}

// LastClosed returns the latest session whose close, in the exchange's zone
// and with that day's early close if it has one, is at or before now.
func (c *Calendar) LastClosed(now time.Time) market.Date {
	today := market.DateOf(now.In(c.mkt.Location))
	if _, cls, ok := c.Hours(today); ok && !now.Before(cls) {
		return today
	}
	return c.Prev(today)
}

// at builds a time of day on d from the wall clock, not midnight plus a
// duration, so that it stays right on DST days; 24:00 is the next midnight.
func at(d market.Date, tod time.Duration, loc *time.Location) time.Time {
	h := int(tod / time.Hour)
	m := int(tod % time.Hour / time.Minute)
	return time.Date(d.Year(), d.Month(), d.Day(), h, m, 0, 0, loc)
}

// open decides one day from the overrides, the table and the rules.
func (c *Calendar) open(d market.Date) bool {
	if o, ok := c.overrides[d]; ok {
		return o.Open
	}
	if _, ok := c.special[d]; ok {
		return true
	}
	if isWeekend(d) {
		return c.everyDay
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
	if c.rules == nil {
		return "", false
	}
	if y := d.Year(); y >= c.first && y <= c.ruledTo {
		r, ok := c.ruled[d]
		return r, ok
	}
	r, ok := c.rules(d.Year())[d]
	return r, ok
}
