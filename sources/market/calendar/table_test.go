package calendar

import (
	"strings"
	"testing"
	"time"

	"github.com/marketd/marketd/sources/market"
)

func TestParseTableRejects(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"weekend", "years,2024,2024\n2024-09-14,x\n", "t.csv:2: 2024-09-14 is a Saturday"},
		{"unsorted", "years,2024,2024\n2024-09-17,x\n2024-09-16,y\n", "t.csv:3: 2024-09-16 is not after 2024-09-17"},
		{"duplicate", "years,2024,2024\n2024-09-16,x\n2024-09-16,y\n", "t.csv:3: 2024-09-16 is not after 2024-09-16"},
		{"outside years", "years,2024,2024\n2025-01-01,x\n", "t.csv:2: 2025-01-01 is outside years 2024-2024"},
		{"no reason", "years,2024,2024\n2024-09-16,\n", "t.csv:2: 2024-09-16 has no reason"},
		{"bad date", "years,2024,2024\n2024-02-30,x\n", `t.csv:2: invalid date "2024-02-30"`},
		{"no years", "# only a comment\n", "t.csv: no years line"},
		{"closure first", "2024-09-16,x\nyears,2024,2024\n", "t.csv:1: closure before the years line"},
		{"bad years", "years,2025,2024\n", "t.csv:1: want one years,FIRST,LAST line"},
		{"no comma", "years,2024,2024\n2024-09-16\n", "t.csv:2: want date,reason"},
		{"bad hours", "years,2024,2024\n2024-09-16,15:30-09:00,x\n", `t.csv:2: 2024-09-16: invalid hours "15:30-09:00"`},
		{"bad clock", "years,2024,2024\n2024-09-16,09:00-25:00,x\n", `invalid hours "09:00-25:00"`},
		{"hours no reason", "years,2024,2024\n2024-09-16,09:00-12:00,\n", "t.csv:2: 2024-09-16 has no reason"},
		{"eras unsorted", "years,2024,2024\nhours,2024-06-01,09:00-15:00\nhours,2024-01-01,09:00-15:30\n", "t.csv:3: hours from 2024-01-01 is not after 2024-06-01"},
		{"breaks unsorted", "years,2024,2024\nbreak,2024-06-01,11:30-12:30\nbreak,2024-06-01,11:00-12:30\n", "t.csv:3: break from 2024-06-01 is not after 2024-06-01"},
		{"bad break", "years,2024,2024\nbreak,2024-06-01,12:30-11:30\n", `t.csv:2: invalid hours "12:30-11:30"`},
		{"bad zone", "years,2024,2024\nzone,Mars/Olympus\n", "t.csv:2: want one zone,IANA line"},
	}
	for _, tt := range tests {
		_, err := parseTable("t.csv", tt.text)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error = %v, want %q", tt.name, err, tt.want)
		}
	}
}

// Every embedded table parses, and its years line spans what we verified.
func TestEmbeddedTablesParse(t *testing.T) {
	want := map[string][2]int{
		"xkrx": {2000, 2027}, "xnys_special": {2000, 2027},
		"xtks": {2010, 2027}, "xlon": {2010, 2027}, "xetr": {2010, 2027}, "euronext": {2010, 2027},
		"xswx": {2010, 2027}, "xhkg": {2010, 2027}, "xshg": {2010, 2026}, "xtse": {2010, 2027},
		"xasx": {2010, 2027}, "xnse": {2010, 2026}, "xtai": {2010, 2027},
	}
	files, err := tables.ReadDir("data")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(want) {
		t.Errorf("%d tables embedded, want %d", len(files), len(want))
	}
	for _, f := range files {
		name := strings.TrimSuffix(f.Name(), ".csv")
		tb, err := loadTable(name)
		if err != nil {
			t.Fatal(err)
		}
		if got := [2]int{tb.first, tb.last}; got != want[name] {
			t.Errorf("%s years = %d-%d, want %d-%d", name, tb.first, tb.last, want[name][0], want[name][1])
		}
	}
}

func TestParseTableHours(t *testing.T) {
	tb, err := parseTable("t.csv", "years,2024,2024\nzone,Europe/Paris\nhours,2024-01-01,09:00-17:30\nhours,2024-06-03,09:00-17:00\n2024-01-01,New Year\n2024-01-20,10:00-12:00,Saturday session\n2024-12-24,09:00-14:05,Christmas Eve\n")
	if err != nil {
		t.Fatal(err)
	}
	if tb.zone != "Europe/Paris" || len(tb.eras) != 2 || tb.eras[1].from != 20240603 || tb.eras[1].close != 17*time.Hour {
		t.Errorf("zone %q eras %+v", tb.zone, tb.eras)
	}
	if s := tb.special[20241224]; s.open != 9*time.Hour || s.close != 14*time.Hour+5*time.Minute || s.reason != "Christmas Eve" {
		t.Errorf("special 2024-12-24 = %+v", s)
	}
	if _, ok := tb.special[20240120]; !ok {
		t.Error("a weekend session with hours is refused")
	}
	if tb.closures[20240101] != "New Year" || len(tb.closures) != 1 {
		t.Errorf("closures = %v", tb.closures)
	}
}

// The fallback rules for years beyond the table must agree with the years
// the table has: every solar holiday, substitute day and year-end closure the
// rules produce for 2025-2027 is in the announced table.
func TestXKRXRulesAgreeWithTable(t *testing.T) {
	tb, err := loadTable("xkrx")
	if err != nil {
		t.Fatal(err)
	}
	for y := 2025; y <= 2027; y++ {
		for d, reason := range xkrxRules(y) {
			if y == 2025 && (reason == "Constitution Day" || reason == "Substitute holiday for Constitution Day") {
				continue // a public holiday again only from 2026
			}
			if _, ok := tb.closures[d]; !ok {
				t.Errorf("rules close %s (%s), the table does not", d, reason)
			}
		}
	}
}

func TestEaster(t *testing.T) {
	for year, want := range map[int]market.Date{2000: 20000423, 2008: 20080323, 2011: 20110424, 2025: 20250420, 2026: 20260405, 2027: 20270328, 2038: 20380425} {
		if got := easter(year); got != want {
			t.Errorf("easter(%d) = %s, want %s", year, got, want)
		}
	}
}

func TestDayArithmetic(t *testing.T) {
	for tm := time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC); tm.Year() < 2102; tm = tm.AddDate(0, 0, 1) {
		d := market.DateOf(tm)
		if got, want := dayNumber(d), int(tm.Unix()/86400); got != want {
			t.Fatalf("dayNumber(%s) = %d, want %d", d, got, want)
		}
		if got, want := nextDay(d), market.DateOf(tm.AddDate(0, 0, 1)); got != want {
			t.Fatalf("nextDay(%s) = %s, want %s", d, got, want)
		}
		if got, want := prevDay(d), market.DateOf(tm.AddDate(0, 0, -1)); got != want {
			t.Fatalf("prevDay(%s) = %s, want %s", d, got, want)
		}
		if !valid(d) {
			t.Fatalf("valid(%s) = false", d)
		}
	}
	for _, d := range []market.Date{0, 20230229, 20241301, 20240400, 20240431} {
		if valid(d) {
			t.Errorf("valid(%d) = true", d)
		}
	}
}
