package market

import (
	"fmt"
	"strings"
)

// ParseDateRange reads "DATE" or "FROM..TO" (YYYY-MM-DD each), as the
// commands that act on a range of sessions take it.
func ParseDateRange(s string) (from, to Date, err error) {
	first, last, isRange := strings.Cut(s, "..")
	if from, err = ParseDate(first); err != nil {
		return 0, 0, err
	}
	to = from
	if isRange {
		if to, err = ParseDate(last); err != nil {
			return 0, 0, err
		}
	}
	if to < from {
		return 0, 0, fmt.Errorf("date range %s ends before it starts", s)
	}
	return from, to, nil
}

// FormatDateRange writes a range as ParseDateRange reads it: one date
// when it is one day.
func FormatDateRange(from, to Date) string {
	if from == to {
		return from.String()
	}
	return from.String() + ".." + to.String()
}
