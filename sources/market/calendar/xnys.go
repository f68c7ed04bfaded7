package calendar

import (
	"time"

	"github.com/marketd/marketd/sources/market"
)

// xnysRules are NYSE's regular holidays as its rules define them, valid from 1998
// (when Martin Luther King Jr. Day was added) on. A holiday on a Saturday is
// observed the Friday before, on a Sunday the Monday after, except New Year's
// Day: a Saturday New Year is not observed, because the Friday before closes
// the accounting year.
func xnysRules(year int) map[market.Date]string {
	out := make(map[market.Date]string)
	add := func(d market.Date, reason string) {
		if !isWeekend(d) {
			out[d] = reason
		}
	}
	if nyd := market.NewDate(year, time.January, 1); nyd.Weekday() == time.Sunday {
		add(nextDay(nyd), "New Year's Day (observed)")
	} else {
		add(nyd, "New Year's Day")
	}
	if year >= 1998 {
		add(nthWeekday(year, time.January, time.Monday, 3), "Martin Luther King Jr. Day")
	}
	add(nthWeekday(year, time.February, time.Monday, 3), "Washington's Birthday")
	add(easter(year).AddDays(-2), "Good Friday")
	add(lastWeekday(year, time.May, time.Monday), "Memorial Day")
	if year >= 2022 {
		add(observed(market.NewDate(year, time.June, 19)), "Juneteenth National Independence Day")
	}
	add(observed(market.NewDate(year, time.July, 4)), "Independence Day")
	add(nthWeekday(year, time.September, time.Monday, 1), "Labor Day")
	add(nthWeekday(year, time.November, time.Thursday, 4), "Thanksgiving Day")
	add(observed(market.NewDate(year, time.December, 25)), "Christmas Day")
	return out
}

// observed moves a Saturday holiday to Friday and a Sunday one to Monday.
func observed(d market.Date) market.Date {
	switch d.Weekday() {
	case time.Saturday:
		return prevDay(d)
	case time.Sunday:
		return nextDay(d)
	}
	return d
}

// nthWeekday returns the n-th (1-based) wd of the month.
func nthWeekday(year int, m time.Month, wd time.Weekday, n int) market.Date {
	first := market.NewDate(year, m, 1)
	shift := (int(wd) - int(first.Weekday()) + 7) % 7
	return first.AddDays(shift + 7*(n-1))
}

// lastWeekday returns the last wd of the month.
func lastWeekday(year int, m time.Month, wd time.Weekday) market.Date {
	last := market.NewDate(year, m, daysIn(year, m))
	shift := (int(last.Weekday()) - int(wd) + 7) % 7
	return last.AddDays(-shift)
}

// easter returns Easter Sunday of the Gregorian calendar (anonymous
// Gregorian algorithm, Meeus/Jones/Butcher).
func easter(year int) market.Date {
	a := year % 19
	b, c := year/100, year%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return market.NewDate(year, time.Month(month), day)
}
