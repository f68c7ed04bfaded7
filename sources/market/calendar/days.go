package calendar

import (
	"time"

	"github.com/marketd/marketd/sources/market"
)

// dayNumber returns the days since 1970-01-01 of a valid Date with integer
// arithmetic only (H. Hinnant's days_from_civil): the hot paths (IsSession,
// Sessions) must not go through time.Time.
func dayNumber(d market.Date) int {
	y, m, dd := d.Year(), int(d.Month()), d.Day()
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + dd - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// valid reports whether d names a real calendar day.
func valid(d market.Date) bool {
	m, day := d.Month(), d.Day()
	if d <= 0 || m < 1 || m > 12 || day < 1 {
		return false
	}
	return day <= daysIn(d.Year(), m)
}

func daysIn(year int, m time.Month) int {
	switch m {
	case time.February:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

// nextDay and prevDay step one calendar day without time.Time.
func nextDay(d market.Date) market.Date {
	y, m, day := d.Year(), d.Month(), d.Day()
	if day < daysIn(y, m) {
		return d + 1
	}
	if m < time.December {
		return market.Date(y*10000 + int(m+1)*100 + 1)
	}
	return market.Date((y+1)*10000 + 101)
}

func prevDay(d market.Date) market.Date {
	y, m, day := d.Year(), d.Month(), d.Day()
	if day > 1 {
		return d - 1
	}
	if m > time.January {
		return market.Date(y*10000 + int(m-1)*100 + daysIn(y, m-1))
	}
	return market.Date((y-1)*10000 + 1231)
}
