package calendar

import (
	"bufio"
	"embed"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/marketd/marketd/sources/market"
)

// The tables are embedded read-only: nothing at run time can change them.
//
//go:embed data/*.csv
var tables embed.FS

// table is a parsed holiday file: the years it is complete for, its weekday
// closures with their reasons, the regular hours by era and the days with
// other hours (early closes, late openings, weekend sessions).
type table struct {
	first, last int
	zone        string // wall clock of the hours; "" = the market's zone
	eras        []era
	breaks      []era // midday breaks from a date on, as eras of hours
	closures    map[market.Date]string
	special     map[market.Date]span
}

// era is the regular session from a date on.
type era struct {
	from market.Date
	span
}

// span is a session's open and close as times of day, and why it differs.
type span struct {
	open, close time.Duration
	reason      string
}

// loadTable reads data/NAME.csv.
func loadTable(name string) (table, error) {
	text, err := tables.ReadFile("data/" + name + ".csv")
	if err != nil {
		return table{}, fmt.Errorf("no holiday table %s: %w", name, err)
	}
	return parseTable(name+".csv", string(text))
}

// parseTable reads the data file format: '#' comments; one "years,FIRST,LAST"
// line; optionally one "zone,IANA" line (the wall clock of the hours, when it
// is not the market's own: Euronext's table serves Lisbon too),
// "hours,FROM,HH:MM-HH:MM" lines (the regular session from a date on) and
// "break,FROM,HH:MM-HH:MM" lines (the midday break from a date on); then,
// in ascending order, "YYYY-MM-DD,reason" closures and
// "YYYY-MM-DD,HH:MM-HH:MM,reason" sessions with other hours. Closures on
// weekends, duplicates and dates outside the years are rejected: each is a
// typo in the table.
func parseTable(name, text string) (table, error) {
	t := table{closures: make(map[market.Date]string), special: make(map[market.Date]span)}
	var prev market.Date
	sc := bufio.NewScanner(strings.NewReader(text))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, rest, ok := strings.Cut(line, ",")
		if !ok {
			return table{}, fmt.Errorf("%s:%d: want date,reason: %q", name, n, line)
		}
		switch key {
		case "years":
			a, b, _ := strings.Cut(rest, ",")
			first, err1 := strconv.Atoi(a)
			last, err2 := strconv.Atoi(b)
			if err1 != nil || err2 != nil || first > last || t.first != 0 {
				return table{}, fmt.Errorf("%s:%d: want one years,FIRST,LAST line: %q", name, n, line)
			}
			t.first, t.last = first, last
			continue
		case "zone":
			if _, err := time.LoadLocation(rest); err != nil || t.zone != "" {
				return table{}, fmt.Errorf("%s:%d: want one zone,IANA line: %q", name, n, line)
			}
			t.zone = rest
			continue
		case "hours", "break":
			list := &t.eras
			if key == "break" {
				list = &t.breaks
			}
			e, err := parseEra(key, rest, *list)
			if err != nil {
				return table{}, fmt.Errorf("%s:%d: %w", name, n, err)
			}
			*list = append(*list, e)
			continue
		}
		if t.first == 0 {
			return table{}, fmt.Errorf("%s:%d: closure before the years line", name, n)
		}
		d, err := market.ParseDate(key)
		if err != nil {
			return table{}, fmt.Errorf("%s:%d: %w", name, n, err)
		}
		var hours *span
		if h, r, ok := strings.Cut(rest, ","); ok && strings.Contains(h, ":") {
			s, err := parseSpan(h)
			if err != nil {
				return table{}, fmt.Errorf("%s:%d: %s: %w", name, n, d, err)
			}
			hours, rest = &s, r
		}
		reason := strings.TrimSpace(rest)
		switch {
		case reason == "":
			return table{}, fmt.Errorf("%s:%d: %s has no reason", name, n, d)
		case d <= prev:
			return table{}, fmt.Errorf("%s:%d: %s is not after %s", name, n, d, prev)
		case d.Year() < t.first || d.Year() > t.last:
			return table{}, fmt.Errorf("%s:%d: %s is outside years %d-%d", name, n, d, t.first, t.last)
		case hours == nil && isWeekend(d):
			return table{}, fmt.Errorf("%s:%d: %s is a %s: weekends are not listed", name, n, d, d.Weekday())
		}
		if hours != nil {
			hours.reason = reason
			t.special[d] = *hours
		} else {
			t.closures[d] = reason
		}
		prev = d
	}
	if err := sc.Err(); err != nil {
		return table{}, fmt.Errorf("%s: %w", name, err)
	}
	if t.first == 0 {
		return table{}, fmt.Errorf("%s: no years line", name)
	}
	return t, nil
}

// parseEra reads the "FROM,HH:MM-HH:MM" of an hours or break line, which
// must begin after the last era of its kind.
func parseEra(key, rest string, before []era) (era, error) {
	from, hours, _ := strings.Cut(rest, ",")
	d, err := market.ParseDate(from)
	if err != nil {
		return era{}, err
	}
	s, err := parseSpan(hours)
	if err != nil {
		return era{}, err
	}
	if k := len(before); k > 0 && d <= before[k-1].from {
		return era{}, fmt.Errorf("%s from %s is not after %s", key, d, before[k-1].from)
	}
	return era{from: d, span: s}, nil
}

// parseSpan reads "HH:MM-HH:MM".
func parseSpan(s string) (span, error) {
	a, b, _ := strings.Cut(s, "-")
	open, err1 := market.ParseClock(a)
	cls, err2 := market.ParseClock(b)
	if err1 != nil || err2 != nil || open >= cls {
		return span{}, fmt.Errorf("invalid hours %q (want HH:MM-HH:MM, open before close)", s)
	}
	return span{open: open, close: cls}, nil
}

func isWeekend(d market.Date) bool {
	wd := d.Weekday()
	return wd == time.Saturday || wd == time.Sunday
}
