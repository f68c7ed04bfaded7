package market

import (
	"fmt"
	"time"
)

// Date is a civil date (no time, no zone) packed as the integer YYYYMMDD.
// Trading dates are civil dates in the exchange's zone; keeping them as plain
// integers means they compare with <, sort, serve as map keys, and can never
// be shifted by a time zone on their way to or from the database.
// The zero Date means "no date".
type Date int32

// NewDate returns the Date for year, month and day. Out-of-range values are
// normalised the way time.Date normalises them.
func NewDate(year int, month time.Month, day int) Date {
	t := time.Date(year, month, day, 0, 0, 0, 0, time.UTC)
	return Date(t.Year()*10000 + int(t.Month())*100 + t.Day())
}

// DateOf returns the civil date of t in t's own location. Convert t to the
// exchange's zone first (t.In(loc)); never use a fixed offset.
func DateOf(t time.Time) Date {
	return NewDate(t.Year(), t.Month(), t.Day())
}

// ParseDate parses YYYY-MM-DD, the only date form on marketd's command line,
// in its config and in SQL.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0, fmt.Errorf("invalid date %q: want YYYY-MM-DD", s)
	}
	return DateOf(t), nil
}

// ParseCompactDate parses YYYYMMDD, the form Naver uses.
func ParseCompactDate(s string) (Date, error) {
	t, err := time.Parse("20060102", s)
	if err != nil {
		return 0, fmt.Errorf("invalid date %q: want YYYYMMDD", s)
	}
	return DateOf(t), nil
}

// Year returns the year of d.
func (d Date) Year() int { return int(d) / 10000 }

// Month returns the month of d.
func (d Date) Month() time.Month { return time.Month(int(d) / 100 % 100) }

// Day returns the day of the month of d.
func (d Date) Day() int { return int(d) % 100 }

// IsZero reports whether d is the zero Date ("no date").
func (d Date) IsZero() bool { return d == 0 }

// In returns midnight of d in loc.
func (d Date) In(loc *time.Location) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
}

// AddDays returns d moved by n calendar days.
func (d Date) AddDays(n int) Date { return NewDate(d.Year(), d.Month(), d.Day()+n) }

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday { return d.In(time.UTC).Weekday() }

// DaysSince returns the number of calendar days from o to d (negative when d is earlier).
func (d Date) DaysSince(o Date) int {
	return int(d.In(time.UTC).Sub(o.In(time.UTC)).Hours() / 24)
}

// String formats d as YYYY-MM-DD, or "" for the zero Date.
func (d Date) String() string {
	if d == 0 {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year(), int(d.Month()), d.Day())
}

// Compact formats d as YYYYMMDD.
func (d Date) Compact() string { return fmt.Sprintf("%08d", int32(d)) }

// MarshalText implements encoding.TextMarshaler (JSON, YAML).
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler (JSON, YAML).
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = 0
		return nil
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}
