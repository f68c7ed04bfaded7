package calendar

import (
	"bufio"
	_ "embed"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/marketd/marketd/sources/market"
)

// The tables are embedded as strings, which Go cannot mutate.
var (
	//go:embed data/xkrx.csv
	xkrxTable string
	//go:embed data/xnys_special.csv
	xnysSpecialTable string
)

// table is a parsed holiday file: the years it is complete for and its
// weekday closures with their reasons.
type table struct {
	first, last int
	closures    map[market.Date]string
}

// parseTable reads the data file format: '#' comments, one "years,FIRST,LAST"
// line, then "YYYY-MM-DD,reason" lines in ascending order. Weekends, duplicates
// and dates outside the years are rejected: each is a typo in the table.
func parseTable(name, text string) (table, error) {
	t := table{closures: make(map[market.Date]string)}
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
		if key == "years" {
			a, b, _ := strings.Cut(rest, ",")
			first, err1 := strconv.Atoi(a)
			last, err2 := strconv.Atoi(b)
			if err1 != nil || err2 != nil || first > last || t.first != 0 {
				return table{}, fmt.Errorf("%s:%d: want one years,FIRST,LAST line: %q", name, n, line)
			}
			t.first, t.last = first, last
			continue
		}
		if t.first == 0 {
			return table{}, fmt.Errorf("%s:%d: closure before the years line", name, n)
		}
		d, err := market.ParseDate(key)
		if err != nil {
			return table{}, fmt.Errorf("%s:%d: %w", name, n, err)
		}
		reason := strings.TrimSpace(rest)
		switch {
		case reason == "":
			return table{}, fmt.Errorf("%s:%d: %s has no reason", name, n, d)
		case d <= prev:
			return table{}, fmt.Errorf("%s:%d: %s is not after %s", name, n, d, prev)
		case d.Year() < t.first || d.Year() > t.last:
			return table{}, fmt.Errorf("%s:%d: %s is outside years %d-%d", name, n, d, t.first, t.last)
		case isWeekend(d):
			return table{}, fmt.Errorf("%s:%d: %s is a %s: weekends are not listed", name, n, d, d.Weekday())
		}
		t.closures[d] = reason
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

func isWeekend(d market.Date) bool {
	wd := d.Weekday()
	return wd == time.Saturday || wd == time.Sunday
}
