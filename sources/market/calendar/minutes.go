package calendar

import (
	"time"

	"github.com/marketd/marketd/sources/market"
)

// BarStarts returns the starts, as UTC instants, of the bars of interval iv
// that session d holds: the regular session only, with that day's early
// close or late opening. Nil on a day with no session or for an invalid
// interval.
//
// Bars are aligned to the session's open, as Yahoo and Naver align them:
// XNYS's 60m bars start at 9:30, 10:30, …, and KRX's at 9:00 (10:00 on a
// late opening). A bar the close cuts short still counts as one bar, so a
// session of L minutes holds ceil(L / n) bars of n minutes: XNYS's 390
// minutes hold 7 hourly bars, the last from 15:30 to 16:00. A 1d session
// holds one bar, starting at the open.
//
// Steps are added to the open as an instant, never to a wall clock, so a
// DST transition (at night, between sessions) cannot shift them.
//
// The calendar knows a session's open and close, not a midday break:
// for markets that pause at noon (Tokyo, Hong Kong, Shanghai) the count
// includes the break's minutes. XNYS and XKRX, the markets with minute
// data, trade without one.
func (c *Calendar) BarStarts(d market.Date, iv market.Interval) []time.Time {
	open, n := c.barSpan(d, iv)
	if n == 0 {
		return nil
	}
	out := make([]time.Time, n)
	step := iv.Duration() // 0 for 1d, whose one bar starts at the open
	for i := range out {
		out[i] = open.Add(time.Duration(i) * step)
	}
	return out
}

// BarCount returns len(c.BarStarts(d, iv)) without building the list: the
// validator's expected count per instrument and session.
func (c *Calendar) BarCount(d market.Date, iv market.Interval) int {
	_, n := c.barSpan(d, iv)
	return n
}

// barSpan returns session d's open in UTC and how many bars of iv it holds.
func (c *Calendar) barSpan(d market.Date, iv market.Interval) (open time.Time, n int) {
	if !iv.Valid() {
		return time.Time{}, 0
	}
	open, cls, ok := c.Hours(d)
	if !ok || !cls.After(open) {
		return time.Time{}, 0
	}
	if iv == market.Interval1d {
		return open.UTC(), 1
	}
	step := iv.Duration()
	return open.UTC(), int((cls.Sub(open) + step - 1) / step)
}
