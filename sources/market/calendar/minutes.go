package calendar

import (
	"time"

	"github.com/marketd/marketd/sources/market"
)

// BarStarts returns the starts, as UTC instants, of the bars of interval iv
// that session d holds: the regular session only, with that day's early
// close or late opening, and nothing inside its midday break. Nil on a day
// with no session or for an invalid interval.
//
// Bars are aligned to the open of each part of the session, as Yahoo and
// Naver align them: XNYS's 60m bars start at 9:30, 10:30, …, KRX's at 9:00
// (10:00 on a late opening), and Tokyo's afternoon bars at 12:30, when it
// reopens after the break. A bar the close (or the break) cuts short still
// counts as one bar, so a part of L minutes holds ceil(L / n) bars of n
// minutes: XNYS's 390 minutes hold 7 hourly bars, the last from 15:30 to
// 16:00. A 1d session holds one bar, starting at the open.
//
// Steps are added to each part's start as an instant, never to a wall
// clock, so a DST transition (at night, between sessions) cannot shift
// them.
func (c *Calendar) BarStarts(d market.Date, iv market.Interval) []time.Time {
	parts, n := c.barParts(d, iv)
	if n == 0 {
		return nil
	}
	out := make([]time.Time, 0, n)
	step := iv.Duration() // 0 for 1d, whose one bar starts at the open
	for _, p := range parts {
		for i := range p.n {
			out = append(out, p.start.Add(time.Duration(i)*step))
		}
	}
	return out
}

// BarCount returns len(c.BarStarts(d, iv)) without building the list: the
// validator's expected count per instrument and session.
func (c *Calendar) BarCount(d market.Date, iv market.Interval) int {
	_, n := c.barParts(d, iv)
	return n
}

// barPart is a stretch of continuous trading: its start in UTC and how many
// bars of the interval asked for it holds.
type barPart struct {
	start time.Time
	n     int
}

// barParts returns the parts of session d (one, or two around a midday
// break) and the bars of iv they hold in all.
func (c *Calendar) barParts(d market.Date, iv market.Interval) ([2]barPart, int) {
	var parts [2]barPart
	if !iv.Valid() {
		return parts, 0
	}
	open, cls, ok := c.Hours(d)
	if !ok || !cls.After(open) {
		return parts, 0
	}
	if iv == market.Interval1d {
		parts[0] = barPart{open.UTC(), 1}
		return parts, 1
	}
	step := iv.Duration()
	bars := func(from, to time.Time) barPart {
		if !to.After(from) {
			return barPart{}
		}
		return barPart{from.UTC(), int((to.Sub(from) + step - 1) / step)}
	}
	bs, be, ok := c.Break(d)
	if !ok {
		parts[0] = bars(open, cls)
		return parts, parts[0].n
	}
	parts[0], parts[1] = bars(open, bs), bars(be, cls)
	return parts, parts[0].n + parts[1].n
}
