package calendar_test

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/market/calendar"
)

func mustFor(t testing.TB, code string) *calendar.Calendar {
	t.Helper()
	c, err := calendar.For(code)
	if err != nil {
		t.Fatalf("For(%q): %v", code, err)
	}
	return c
}

func date(t testing.TB, s string) market.Date {
	t.Helper()
	d, err := market.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func dates(t testing.TB, ss ...string) []market.Date {
	out := make([]market.Date, len(ss))
	for i, s := range ss {
		out[i] = date(t, s)
	}
	return out
}

func holidayDates(hs []calendar.Closure) []market.Date {
	out := make([]market.Date, len(hs))
	for i, h := range hs {
		out[i] = h.Date
	}
	return out
}

// The expected lists come from exchange_calendars: xkrx_holidays.py for
// 2024 and the session list tests/resources/xkrx.csv for 2025 and 2026
// (the weekdays missing from it); NYSE from its published holiday list.
func TestYears(t *testing.T) {
	tests := []struct {
		code     string
		year     int
		sessions int
		holidays []string
	}{
		{"XKRX", 2024, 244, []string{
			"2024-01-01", "2024-02-09", "2024-02-12", "2024-03-01", "2024-04-10", "2024-05-01",
			"2024-05-06", "2024-05-15", "2024-06-06", "2024-08-15", "2024-09-16", "2024-09-17",
			"2024-09-18", "2024-10-01", "2024-10-03", "2024-10-09", "2024-12-25", "2024-12-31"}},
		{"XKRX", 2025, 242, []string{
			"2025-01-01", "2025-01-27", "2025-01-28", "2025-01-29", "2025-01-30", "2025-03-03",
			"2025-05-01", "2025-05-05", "2025-05-06", "2025-06-03", "2025-06-06", "2025-08-15",
			"2025-10-03", "2025-10-06", "2025-10-07", "2025-10-08", "2025-10-09", "2025-12-25",
			"2025-12-31"}},
		{"XKRX", 2026, 244, []string{
			"2026-01-01", "2026-02-16", "2026-02-17", "2026-02-18", "2026-03-02", "2026-05-01",
			"2026-05-05", "2026-05-25", "2026-06-03", "2026-07-17", "2026-08-17", "2026-09-24",
			"2026-09-25", "2026-10-05", "2026-10-09", "2026-12-25", "2026-12-31"}},
		{"XNYS", 2024, 252, []string{
			"2024-01-01", "2024-01-15", "2024-02-19", "2024-03-29", "2024-05-27", "2024-06-19",
			"2024-07-04", "2024-09-02", "2024-11-28", "2024-12-25"}},
		{"XNYS", 2025, 250, []string{
			"2025-01-01", "2025-01-09", "2025-01-20", "2025-02-17", "2025-04-18", "2025-05-26",
			"2025-06-19", "2025-07-04", "2025-09-01", "2025-11-27", "2025-12-25"}},
		{"XNYS", 2026, 251, []string{
			"2026-01-01", "2026-01-19", "2026-02-16", "2026-04-03", "2026-05-25", "2026-06-19",
			"2026-07-03", "2026-09-07", "2026-11-26", "2026-12-25"}},
		{"XNYS", 2027, 251, []string{
			"2027-01-01", "2027-01-18", "2027-02-15", "2027-03-26", "2027-05-31", "2027-06-18",
			"2027-07-05", "2027-09-06", "2027-11-25", "2027-12-24"}},
	}
	for _, tt := range tests {
		c := mustFor(t, tt.code)
		from := market.NewDate(tt.year, time.January, 1)
		to := market.NewDate(tt.year, time.December, 31)
		if got := c.Sessions(from, to); len(got) != tt.sessions {
			t.Errorf("%s %d: %d sessions, want %d", tt.code, tt.year, len(got), tt.sessions)
		}
		want := dates(t, tt.holidays...)
		if got := holidayDates(c.Holidays(from, to)); !slices.Equal(got, want) {
			t.Errorf("%s %d holidays:\n got %v\nwant %v", tt.code, tt.year, got, want)
		}
		for _, d := range want {
			if c.IsSession(d) {
				t.Errorf("%s: IsSession(%s) = true on a holiday", tt.code, d)
			}
		}
	}
}

func TestHolidayReasons(t *testing.T) {
	tests := []struct {
		code, date, reason string
	}{
		{"XKRX", "2024-02-09", "Seollal (Lunar New Year) eve"},
		{"XKRX", "2024-02-12", "Substitute holiday for Seollal (Lunar New Year)"},
		{"XKRX", "2024-04-10", "22nd National Assembly election"},
		{"XKRX", "2024-05-01", "Labor Day (KRX closure)"},
		{"XKRX", "2024-10-01", "Temporary holiday"},
		{"XKRX", "2024-12-31", "Year-end closure (KRX)"},
		{"XKRX", "2023-10-02", "Temporary holiday"},
		{"XKRX", "2023-12-29", "Year-end closure (KRX)"},
		{"XKRX", "2025-06-03", "Presidential election (temporary holiday)"},
		{"XKRX", "2026-06-03", "Local elections"},
		{"XKRX", "2026-09-25", "Chuseok"},
		{"XKRX", "2017-10-02", "Temporary holiday"},
		{"XKRX", "2020-08-17", "Temporary holiday"},
		{"XKRX", "2002-07-01", "Temporary holiday (2002 World Cup)"},
		{"XNYS", "2025-01-09", "National day of mourning for President Jimmy Carter"},
		{"XNYS", "2012-10-30", "Hurricane Sandy"},
		{"XNYS", "2022-06-20", "Juneteenth National Independence Day"},
		{"XNYS", "2026-07-03", "Independence Day"},
		{"XNYS", "2023-01-02", "New Year's Day (observed)"},
	}
	for _, tt := range tests {
		c := mustFor(t, tt.code)
		got, ok := c.Holiday(date(t, tt.date))
		if !ok || got != tt.reason {
			t.Errorf("%s Holiday(%s) = %q, %v; want %q, true", tt.code, tt.date, got, ok, tt.reason)
		}
	}
}

func TestNotHolidays(t *testing.T) {
	tests := []struct {
		code, date string
		session    bool
	}{
		{"XKRX", "2026-09-26", false}, // Chuseok day after on a Saturday: no substitute
		{"XKRX", "2026-09-28", true},
		{"XKRX", "2026-05-04", true},
		{"XKRX", "2025-12-30", true},
		{"XKRX", "2024-12-30", true},
		{"XNYS", "2021-12-31", true}, // New Year 2022 on a Saturday is not observed
		{"XNYS", "2027-12-31", true}, // nor New Year 2028
		{"XNYS", "2021-06-18", true}, // Juneteenth closes NYSE from 2022 on
		{"XNYS", "2025-01-10", true},
	}
	for _, tt := range tests {
		c := mustFor(t, tt.code)
		d := date(t, tt.date)
		if got := c.IsSession(d); got != tt.session {
			t.Errorf("%s IsSession(%s) = %v, want %v", tt.code, tt.date, got, tt.session)
		}
		if r, ok := c.Holiday(d); ok {
			t.Errorf("%s Holiday(%s) = %q, want none", tt.code, tt.date, r)
		}
	}
}

// The recorded Naver answer for 2026-09-20..29 holds exactly the sessions
// around Chuseok.
func TestXKRXMatchesNaverFixture(t *testing.T) {
	body, err := os.ReadFile("testdata/siseJson_005930_20260920_20260929_fchart-host.txt")
	if err != nil {
		t.Fatal(err)
	}
	var want []market.Date
	for _, m := range regexp.MustCompile(`\["(\d{8})"`).FindAllStringSubmatch(string(body), -1) {
		d, err := market.ParseCompactDate(m[1])
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, d)
	}
	if len(want) != 5 {
		t.Fatalf("fixture has %d bars, want 5", len(want))
	}
	c := mustFor(t, "XKRX")
	if got := c.Sessions(date(t, "2026-09-20"), date(t, "2026-09-29")); !slices.Equal(got, want) {
		t.Errorf("Sessions = %v, want %v", got, want)
	}
}

// NYSE rules and special closures reproduce pandas_market_calendars' list of
// every full-day holiday from 2000 to mid-2021.
func TestXNYSMatchesPandasMarketCalendars(t *testing.T) {
	body, err := os.ReadFile("testdata/nyse_holidays_2000_2021.txt")
	if err != nil {
		t.Fatal(err)
	}
	var want []market.Date
	for _, line := range strings.Split(string(body), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		tm, err := time.Parse("1/2/2006", line)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, market.DateOf(tm))
	}
	c := mustFor(t, "XNYS")
	got := holidayDates(c.Holidays(date(t, "2000-01-01"), date(t, "2021-07-05")))
	if !slices.Equal(got, want) {
		for _, d := range got {
			if !slices.Contains(want, d) {
				t.Errorf("extra holiday %s", d)
			}
		}
		for _, d := range want {
			if !slices.Contains(got, d) {
				t.Errorf("missing holiday %s", d)
			}
		}
	}
}

func TestNextPrev(t *testing.T) {
	tests := []struct {
		code, date, next, prev string
	}{
		{"XKRX", "2026-09-23", "2026-09-28", "2026-09-22"},
		{"XKRX", "2026-09-24", "2026-09-28", "2026-09-23"},
		{"XKRX", "2026-12-30", "2027-01-04", "2026-12-29"},
		{"XKRX", "2024-02-08", "2024-02-13", "2024-02-07"},
		{"XKRX", "2000-01-03", "2000-01-04", "1999-12-30"}, // before the table: rules
		{"XNYS", "2025-01-08", "2025-01-10", "2025-01-07"},
		{"XNYS", "2001-09-10", "2001-09-17", "2001-09-07"},
		{"XNYS", "2026-07-03", "2026-07-06", "2026-07-02"},
	}
	for _, tt := range tests {
		c := mustFor(t, tt.code)
		d := date(t, tt.date)
		if got := c.Next(d); got != date(t, tt.next) {
			t.Errorf("%s Next(%s) = %s, want %s", tt.code, tt.date, got, tt.next)
		}
		if got := c.Prev(d); got != date(t, tt.prev) {
			t.Errorf("%s Prev(%s) = %s, want %s", tt.code, tt.date, got, tt.prev)
		}
	}
}

func TestLastClosed(t *testing.T) {
	tests := []struct {
		name, code, now, want string
	}{
		{"NY before close, EST", "XNYS", "2026-03-06T20:59:59Z", "2026-03-05"},
		{"NY at close, EST", "XNYS", "2026-03-06T21:00:00Z", "2026-03-06"},
		{"NY weekend of DST start", "XNYS", "2026-03-08T12:00:00Z", "2026-03-06"},
		{"NY before close, first EDT day", "XNYS", "2026-03-09T19:59:59Z", "2026-03-06"},
		{"NY at close, first EDT day", "XNYS", "2026-03-09T20:00:00Z", "2026-03-09"},
		{"NY last EDT Friday", "XNYS", "2026-10-30T20:00:00Z", "2026-10-30"},
		{"NY first EST day, an hour before close", "XNYS", "2026-11-02T20:00:00Z", "2026-10-30"},
		{"NY at close, first EST day", "XNYS", "2026-11-02T21:00:00Z", "2026-11-02"},
		{"NY after midnight UTC, evening in NY", "XNYS", "2026-11-03T01:00:00Z", "2026-11-02"},
		{"NY Carter closure", "XNYS", "2025-01-09T22:00:00Z", "2025-01-08"},
		{"Seoul before close", "XKRX", "2026-09-29T06:29:59Z", "2026-09-28"},
		{"Seoul at close", "XKRX", "2026-09-29T06:30:00Z", "2026-09-29"},
		{"Seoul 23:59:59", "XKRX", "2026-09-29T14:59:59Z", "2026-09-29"},
		{"Seoul past midnight, next day open", "XKRX", "2026-09-29T15:00:00Z", "2026-09-29"},
		{"Seoul 01:00, UTC still the day before", "XKRX", "2026-09-28T16:00:00Z", "2026-09-28"},
		{"Seoul during Chuseok", "XKRX", "2026-09-25T10:00:00Z", "2026-09-23"},
		{"Seoul morning before the open", "XKRX", "2026-09-28T05:00:00Z", "2026-09-23"},
		{"Seoul new year", "XKRX", "2027-01-01T12:00:00Z", "2026-12-30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now, err := time.Parse(time.RFC3339, tt.now)
			if err != nil {
				t.Fatal(err)
			}
			if got := mustFor(t, tt.code).LastClosed(now); got != date(t, tt.want) {
				t.Errorf("LastClosed(%s) = %s, want %s", tt.now, got, tt.want)
			}
		})
	}
}

func TestCoverage(t *testing.T) {
	tests := []struct {
		code     string
		lastYear int
	}{
		{"XKRX", 2027},
		{"XNYS", 2027},
	}
	for _, tt := range tests {
		c := mustFor(t, tt.code)
		if got := c.LastYear(); got != tt.lastYear {
			t.Errorf("%s LastYear = %d, want %d", tt.code, got, tt.lastYear)
		}
		for d, want := range map[string]bool{"1999-12-31": false, "2000-01-01": true, "2027-12-31": true, "2028-01-01": false} {
			if got := c.Covers(date(t, d)); got != want {
				t.Errorf("%s Covers(%s) = %v, want %v", tt.code, d, got, want)
			}
		}
	}
}

// Beyond the table, weekends and the fixed-date holidays still close the
// market: XKRX's solar holidays with their substitutes and the year-end
// closure, XNYS's whole rule set.
func TestBeyondTable(t *testing.T) {
	tests := []struct {
		code, date string
		reason     string // "" = a session
	}{
		{"XKRX", "2028-03-01", "Independence Movement Day"},
		{"XKRX", "2028-05-01", "Labor Day"},
		{"XKRX", "2028-05-05", "Children's Day"},
		{"XKRX", "2028-06-06", "Memorial Day"},
		{"XKRX", "2028-08-15", "Liberation Day"},
		{"XKRX", "2028-10-03", "National Foundation Day"},
		{"XKRX", "2028-10-09", "Hangul Day"},
		{"XKRX", "2028-12-25", "Christmas"},
		{"XKRX", "2028-12-29", "Year-end closure (KRX)"},
		{"XKRX", "2029-07-17", "Constitution Day"},
		{"XKRX", "2029-09-03", ""},
		{"XKRX", "2028-03-02", ""},
		{"XKRX", "2070-03-03", "Substitute holiday for Independence Movement Day"}, // past the index
		{"XKRX", "2070-03-04", ""},
		{"XNYS", "2030-07-04", "Independence Day"},
		{"XNYS", "2030-04-19", "Good Friday"},
		{"XNYS", "2030-11-28", "Thanksgiving Day"},
		{"XNYS", "2032-12-24", "Christmas Day"},
		{"XNYS", "2030-07-05", ""},
		{"XNYS", "2080-12-25", "Christmas Day"},
	}
	for _, tt := range tests {
		c := mustFor(t, tt.code)
		d := date(t, tt.date)
		if c.Covers(d) {
			t.Errorf("%s Covers(%s) = true beyond the table", tt.code, tt.date)
		}
		got, ok := c.Holiday(d)
		if got != tt.reason || ok != (tt.reason != "") {
			t.Errorf("%s Holiday(%s) = %q, %v; want %q", tt.code, tt.date, got, ok, tt.reason)
		}
		if c.IsSession(d) != (tt.reason == "") {
			t.Errorf("%s IsSession(%s) = %v", tt.code, tt.date, c.IsSession(d))
		}
	}
}

// Sessions, IsSession, Next and Prev agree across the edges of the
// precomputed index, where the implementation switches paths.
func TestConsistentAcrossIndexEdges(t *testing.T) {
	ranges := [][2]string{
		{"1999-11-01", "2000-02-28"},
		{"2027-11-01", "2028-02-28"},
		{"2057-11-01", "2058-02-28"},
		{"2099-12-01", "2100-01-31"},
		{"2024-01-01", "2024-01-01"},
	}
	for _, code := range []string{"XKRX", "XNYS"} {
		c := mustFor(t, code)
		for _, r := range ranges {
			from, to := date(t, r[0]), date(t, r[1])
			var want []market.Date
			for tm := from.In(time.UTC); !tm.After(to.In(time.UTC)); tm = tm.AddDate(0, 0, 1) {
				if d := market.DateOf(tm); c.IsSession(d) {
					want = append(want, d)
				}
			}
			got := c.Sessions(from, to)
			if !slices.Equal(got, want) {
				t.Errorf("%s Sessions(%s, %s) = %v\nwant %v", code, from, to, got, want)
			}
			for i := 1; i < len(want); i++ {
				if n := c.Next(want[i-1]); n != want[i] {
					t.Errorf("%s Next(%s) = %s, want %s", code, want[i-1], n, want[i])
				}
				if p := c.Prev(want[i]); p != want[i-1] {
					t.Errorf("%s Prev(%s) = %s, want %s", code, want[i], p, want[i-1])
				}
			}
		}
	}
}

func TestBadInput(t *testing.T) {
	c := mustFor(t, "XKRX")
	if c.IsSession(20240231) {
		t.Error("IsSession(2024-02-31) = true")
	}
	if got := c.Sessions(date(t, "2024-12-31"), date(t, "2024-01-01")); got != nil {
		t.Errorf("Sessions(to before from) = %v, want nil", got)
	}
	if got := c.Next(0); got != 0 {
		t.Errorf("Next(0) = %s", got)
	}
	_, err := calendar.For("XWAR")
	if err == nil || !strings.Contains(err.Error(), "XWAR") {
		t.Errorf("For(XWAR) error = %v, want one naming XWAR", err)
	}
}

func TestAliases(t *testing.T) {
	for code, want := range map[string]string{"KOSPI": "XKRX", "KOSDAQ": "XKRX", "XKRX": "XKRX", "NYSE": "XNYS", "NASDAQ": "XNYS", "US": "XNYS"} {
		if got := mustFor(t, code).Market().Code; got != want {
			t.Errorf("For(%s).Market().Code = %s, want %s", code, got, want)
		}
	}
	if got := mustFor(t, "XKRX").Market().Location.String(); got != "Asia/Seoul" {
		t.Errorf("XKRX location = %s", got)
	}
}

// Sessions hands out a copy: a caller writing into it changes nothing.
func TestSessionsIsACopy(t *testing.T) {
	c := mustFor(t, "XKRX")
	s := c.Sessions(date(t, "2024-01-01"), date(t, "2024-01-31"))
	s[0] = 0
	if got := c.Sessions(date(t, "2024-01-01"), date(t, "2024-01-31"))[0]; got != date(t, "2024-01-02") {
		t.Errorf("first session of 2024 = %s after the caller wrote into its slice", got)
	}
}

func TestOverrides(t *testing.T) {
	base := mustFor(t, "XKRX")
	c := base.WithOverrides([]calendar.Override{
		{Date: date(t, "2026-11-24"), Reason: "unscheduled closure"},
		{Date: date(t, "2026-12-31"), Open: true, Reason: "year-end closure cancelled"},
		{Date: date(t, "2090-01-03"), Reason: "far future"},
		{Date: 20261332}, // invalid: skipped
	})
	tests := []struct {
		date    string
		session bool
		reason  string
	}{
		{"2026-11-24", false, "unscheduled closure"},
		{"2026-12-31", true, ""},
		{"2090-01-03", false, "far future"},
		{"2026-11-23", true, ""},
	}
	for _, tt := range tests {
		d := date(t, tt.date)
		if got := c.IsSession(d); got != tt.session {
			t.Errorf("IsSession(%s) = %v, want %v", tt.date, got, tt.session)
		}
		if got, _ := c.Holiday(d); got != tt.reason {
			t.Errorf("Holiday(%s) = %q, want %q", tt.date, got, tt.reason)
		}
	}
	if got := c.Next(date(t, "2026-11-23")); got != date(t, "2026-11-25") {
		t.Errorf("Next(2026-11-23) = %s, want 2026-11-25", got)
	}
	if got := c.LastClosed(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)); got != date(t, "2026-12-31") {
		t.Errorf("LastClosed(2027-01-01 09:00 KST) = %s, want 2026-12-31", got)
	}
	if n := len(c.Sessions(date(t, "2026-01-01"), date(t, "2026-12-31"))); n != 244 {
		t.Errorf("2026 sessions with one closed and one opened = %d, want 244", n)
	}
	// The original is unchanged.
	if !base.IsSession(date(t, "2026-11-24")) || base.IsSession(date(t, "2026-12-31")) {
		t.Error("WithOverrides changed the calendar it was called on")
	}
	// Overrides stack, and the later one of a date wins.
	c2 := c.WithOverrides([]calendar.Override{{Date: date(t, "2026-11-24"), Open: true}, {Date: date(t, "2026-09-24"), Open: true}})
	if !c2.IsSession(date(t, "2026-11-24")) || !c2.IsSession(date(t, "2026-09-24")) || c2.IsSession(date(t, "2090-01-03")) {
		t.Error("stacked overrides not applied")
	}
}

func TestConcurrentUse(t *testing.T) {
	c := mustFor(t, "XNYS")
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				if n := len(c.Sessions(date(t, "2025-01-01"), date(t, "2025-12-31"))); n != 250 {
					t.Errorf("sessions = %d", n)
				}
				c.IsSession(date(t, "2030-01-02"))
				c.LastClosed(time.Now())
			}
		})
	}
	wg.Wait()
}

func BenchmarkSessions10Years(b *testing.B) {
	c := mustFor(b, "XKRX")
	from, to := date(b, "2016-01-01"), date(b, "2025-12-31")
	b.ReportAllocs()
	for b.Loop() {
		if len(c.Sessions(from, to)) == 0 {
			b.Fatal("no sessions")
		}
	}
}

func BenchmarkIsSession(b *testing.B) {
	c := mustFor(b, "XNYS")
	d := date(b, "2025-06-18")
	for b.Loop() {
		if !c.IsSession(d) {
			b.Fatal("not a session")
		}
	}
}

func BenchmarkFor(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		mustFor(b, "XKRX")
	}
}
