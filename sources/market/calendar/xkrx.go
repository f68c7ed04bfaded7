package calendar

import (
	"time"

	"github.com/marketd/marketd/sources/market"
)

// xkrxRules are the Korea Exchange closures that need no lunar calendar and no
// government decision, for years the table does not cover: the solar public
// holidays with their substitute days as they stand in 2026, Labor Day (a KRX
// closure before 2026, a public holiday since) and the year-end closure.
// Lunar New Year, Chuseok, Buddha's Birthday, elections and temporary
// holidays cannot be derived: Covers is false there.
func xkrxRules(year int) map[market.Date]string {
	type fixed struct {
		month  time.Month
		day    int
		reason string
		sub    bool // gets a substitute day when it falls on a weekend or another holiday
	}
	days := []fixed{
		{time.January, 1, "New Year's Day", false},
		{time.March, 1, "Independence Movement Day", true},
		{time.May, 1, "Labor Day", true},
		{time.May, 5, "Children's Day", true},
		{time.June, 6, "Memorial Day", false},
		{time.July, 17, "Constitution Day", true},
		{time.August, 15, "Liberation Day", true},
		{time.October, 3, "National Foundation Day", true},
		{time.October, 9, "Hangul Day", true},
		{time.December, 25, "Christmas", true},
	}
	out := make(map[market.Date]string)
	holiday := make(map[market.Date]bool)
	for _, f := range days {
		holiday[market.NewDate(year, f.month, f.day)] = true
	}
	for _, f := range days {
		d := market.NewDate(year, f.month, f.day)
		if !isWeekend(d) {
			out[d] = f.reason
			continue
		}
		if !f.sub {
			continue
		}
		s := nextDay(d)
		for isWeekend(s) || holiday[s] {
			s = nextDay(s)
		}
		holiday[s] = true
		out[s] = "Substitute holiday for " + f.reason
	}
	// The year-end closure falls on the last business day of December.
	d := market.NewDate(year, time.December, 31)
	for isWeekend(d) || holiday[d] {
		d = prevDay(d)
	}
	out[d] = "Year-end closure (KRX)"
	return out
}
