package config

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/marketd/marketd/sources/market"
)

// Span is a stretch of calendar time counted back from a date, written
// "Ny" (years) or "Nd" (days): "1y", "10y", "365d". Years are calendar
// years, not 365-day blocks, so "1y" before 2024-02-29 is 2023-03-01 and
// before 2025-06-30 is 2024-06-30. A time.Duration cannot say either.
type Span struct {
	Years int
	Days  int
}

// ParseSpan parses "Ny" or "Nd" with N ≥ 0.
func ParseSpan(s string) (Span, error) {
	s = strings.TrimSpace(s)
	if len(s) < 2 {
		return Span{}, fmt.Errorf("invalid span %q: want Ny or Nd, e.g. 1y or 365d", s)
	}
	n, err := strconv.Atoi(s[:len(s)-1])
	if err != nil || n < 0 {
		return Span{}, fmt.Errorf("invalid span %q: want Ny or Nd, e.g. 1y or 365d", s)
	}
	switch s[len(s)-1] {
	case 'y':
		return Span{Years: n}, nil
	case 'd':
		return Span{Days: n}, nil
	}
	return Span{}, fmt.Errorf("invalid span %q: want Ny or Nd, e.g. 1y or 365d", s)
}

// Before returns the date s before d.
func (s Span) Before(d market.Date) market.Date {
	return market.NewDate(d.Year()-s.Years, d.Month(), d.Day()-s.Days)
}

// String formats s the way ParseSpan reads it.
func (s Span) String() string {
	if s.Days != 0 || s.Years == 0 {
		return strconv.Itoa(s.Days+365*s.Years) + "d"
	}
	return strconv.Itoa(s.Years) + "y"
}

// MarshalText implements encoding.TextMarshaler.
func (s Span) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *Span) UnmarshalText(b []byte) error {
	v, err := ParseSpan(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}
