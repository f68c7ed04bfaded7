package calendar_test

import (
	"testing"
	"time"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/market/calendar"
)

// Session counts per year. The figures are those of exchange_calendars'
// recorded session lists (tests/resources/<mic>.csv), which follow the
// exchanges' published holiday notices; they were counted from those lists,
// not from our tables; NSE/BSE 2023 is the exchange's own figure: BSE notice
// 20221208-31 lists 15 weekday holidays, 260 weekdays less 15 (a later
// circular moved Bakri Id from June 28 to 29). NSE/BSE 2024 includes the Saturday session of
// 2024-01-20 and 2025 the budget-day Saturday 2025-02-01.
func TestSessionCounts(t *testing.T) {
	tests := []struct {
		code  string
		year  int
		count int
	}{
		{"XTKS", 2019, 241}, {"XTKS", 2025, 243},
		{"XLON", 2019, 253}, {"XLON", 2022, 250},
		{"XETR", 2019, 251}, {"XETR", 2022, 257},
		{"XPAR", 2015, 256}, {"XPAR", 2018, 255}, {"XAMS", 2018, 255}, {"XBRU", 2018, 255}, {"XLIS", 2018, 255},
		{"XSWX", 2015, 251}, {"XSWX", 2018, 249},
		{"XHKG", 2019, 246}, {"XHKG", 2024, 246},
		{"XSHG", 2024, 242}, {"XSHG", 2025, 243}, {"XSHE", 2025, 243},
		{"XTSE", 2015, 251}, {"XTSE", 2018, 251},
		{"XASX", 2022, 251}, {"XASX", 2024, 254},
		{"XNSE", 2023, 245}, {"XNSE", 2024, 246}, {"XNSE", 2025, 248}, {"XBOM", 2025, 248},
		{"XTAI", 2024, 243}, {"XTAI", 2025, 243},
		{"CRYPTO", 2024, 366}, {"FX", 2024, 262}, {"FX", 2025, 261},
	}
	for _, tt := range tests {
		c := mustFor(t, tt.code)
		got := c.Sessions(market.NewDate(tt.year, time.January, 1), market.NewDate(tt.year, time.December, 31))
		if len(got) != tt.count {
			t.Errorf("%s %d: %d sessions, want %d", tt.code, tt.year, len(got), tt.count)
		}
	}
}

func TestSpecialClosures(t *testing.T) {
	tests := []struct{ code, date, reason string }{
		{"XLON", "2022-09-19", "State funeral of Queen Elizabeth II"},
		{"XLON", "2023-05-08", "Coronation of King Charles III"},
		{"XTKS", "2019-04-30", "Abdication Day (national holiday)"},
		{"XTKS", "2019-05-01", "Accession Day (enthronement of Emperor Naruhito)"},
		{"XTKS", "2019-05-02", "Citizens' Holiday (enthronement)"},
		{"XTKS", "2026-10-12", "Health and Sports Day"},
		{"XTKS", "2020-10-01", "Trading system failure (arrowhead)"},
		{"XTKS", "2026-12-31", "New Year's Holiday"},
		{"XASX", "2022-09-22", "National Day of Mourning for Queen Elizabeth II"},
		{"XHKG", "2023-07-17", "Typhoon Talim (signal 8)"},
		{"XHKG", "2024-09-06", "Typhoon Yagi (signal 8)"},
		{"XETR", "2017-10-31", "Reformation Day (500th anniversary)"},
		{"XETR", "2026-12-24", "Christmas Eve"},
		{"XSWX", "2026-05-14", "Ascension Day"},
		{"XPAR", "2026-04-06", "Easter Monday"},
		{"XLIS", "2026-12-25", "Christmas"},
		{"XSHG", "2025-10-08", "National Day holidays and Mid-Autumn Festival"},
		{"XSHE", "2026-02-16", "Lunar New Year"},
		{"XTSE", "2026-08-03", "Civic Holiday"},
		{"XTSX", "2026-02-16", "Family Day"},
		{"XNSE", "2026-01-26", "Republic Day"},
		{"XTAI", "2026-02-27", "Peace Memorial Day"},
		{"ROCO", "2026-02-27", "Peace Memorial Day"},
		{"XNYS", "2025-01-09", "National day of mourning for President Jimmy Carter"},
		{"XBOM", "2023-06-29", "Bakri Id (moved from 2023-06-28 by a later circular)"},
	}
	for _, tt := range tests {
		c := mustFor(t, tt.code)
		d := date(t, tt.date)
		if got, ok := c.Holiday(d); !ok || got != tt.reason {
			t.Errorf("%s Holiday(%s) = %q, %v; want %q", tt.code, tt.date, got, ok, tt.reason)
		}
		if c.IsSession(d) {
			t.Errorf("%s IsSession(%s) = true on a closure", tt.code, tt.date)
		}
		if _, _, ok := c.Hours(d); ok {
			t.Errorf("%s Hours(%s) ok on a closure", tt.code, tt.date)
		}
	}
}

// Tokyo in October 2026: every weekday but Sports Day.
func TestXTKSOctober2026(t *testing.T) {
	c := mustFor(t, "XTKS")
	got := c.Sessions(date(t, "2026-10-01"), date(t, "2026-10-31"))
	if len(got) != 21 {
		t.Errorf("%d sessions in October 2026, want 21", len(got))
	}
	if c.Next(date(t, "2026-10-09")) != date(t, "2026-10-13") {
		t.Errorf("Next(2026-10-09) = %s, want 2026-10-13", c.Next(date(t, "2026-10-09")))
	}
}

// Hours of regular days, early closes and late openings, as instants.
func TestHours(t *testing.T) {
	tests := []struct {
		code, date, open, close string // RFC 3339
		special                 string
	}{
		{"XNYS", "2026-11-27", "2026-11-27T14:30:00Z", "2026-11-27T18:00:00Z", "Day after Thanksgiving (early close)"},
		{"XNYS", "2026-11-25", "2026-11-25T14:30:00Z", "2026-11-25T21:00:00Z", ""},
		{"XNYS", "2025-07-03", "2025-07-03T13:30:00Z", "2025-07-03T17:00:00Z", "Day before Independence Day (early close)"},
		{"XLON", "2026-12-24", "2026-12-24T08:00:00Z", "2026-12-24T12:30:00Z", "Christmas Eve (early close)"},
		{"XLON", "2026-12-31", "2026-12-31T08:00:00Z", "2026-12-31T12:30:00Z", "New Year's Eve (early close)"},
		{"XLON", "2026-07-01", "2026-07-01T07:00:00Z", "2026-07-01T15:30:00Z", ""},
		{"XETR", "2026-12-30", "2026-12-30T08:00:00Z", "2026-12-30T13:00:00Z", "Last trading day of the year (early close)"},
		{"XHKG", "2026-12-24", "2026-12-24T01:30:00Z", "2026-12-24T04:00:00Z", "Christmas Eve (early close)"},
		{"XHKG", "2026-02-16", "2026-02-16T01:30:00Z", "2026-02-16T04:00:00Z", "Lunar New Year's Eve"},
		{"XKRX", "2026-01-02", "2026-01-02T01:00:00Z", "2026-01-02T06:30:00Z", "First session of the year (opens an hour late)"},
		{"XKRX", "2025-11-13", "2025-11-13T01:00:00Z", "2025-11-13T07:30:00Z", "College Scholastic Ability Test (opens and closes an hour late)"},
		{"XKRX", "2015-06-01", "2015-06-01T00:00:00Z", "2015-06-01T06:00:00Z", ""}, // before the 15:30 close
		{"XTKS", "2024-11-01", "2024-11-01T00:00:00Z", "2024-11-01T06:00:00Z", ""}, // 15:00 close until 2024-11-04
		{"XTKS", "2024-11-05", "2024-11-05T00:00:00Z", "2024-11-05T06:30:00Z", ""},
		{"XPAR", "2026-12-24", "2026-12-24T08:00:00Z", "2026-12-24T13:05:00Z", "Christmas Eve (early close)"},
		{"XLIS", "2026-12-24", "2026-12-24T08:00:00Z", "2026-12-24T13:05:00Z", "Christmas Eve (early close)"},
		{"XLIS", "2026-07-01", "2026-07-01T07:00:00Z", "2026-07-01T15:30:00Z", ""},
		{"XFRA", "2026-12-30", "2026-12-30T07:00:00Z", "2026-12-30T21:00:00Z", ""}, // Xetra's early close is not Frankfurt's
		{"XASX", "2026-12-24", "2026-12-23T23:00:00Z", "2026-12-24T03:10:00Z", "Christmas Eve (early close)"},
		{"XTSE", "2026-12-24", "2026-12-24T14:30:00Z", "2026-12-24T18:00:00Z", "Christmas Eve (early close)"},
		{"XNSE", "2025-02-01", "2025-02-01T03:45:00Z", "2025-02-01T10:00:00Z", "Special Saturday session (Union Budget day)"},
		{"CRYPTO", "2026-12-05", "2026-12-05T00:00:00Z", "2026-12-06T00:00:00Z", ""},
		{"FX", "2026-12-25", "2026-12-25T00:00:00Z", "2026-12-26T00:00:00Z", ""},
		{"FX", "2026-07-01", "2026-06-30T23:00:00Z", "2026-07-01T23:00:00Z", ""},
	}
	for _, tt := range tests {
		c := mustFor(t, tt.code)
		d := date(t, tt.date)
		open, cls, ok := c.Hours(d)
		if !ok || open.UTC().Format(time.RFC3339) != tt.open || cls.UTC().Format(time.RFC3339) != tt.close {
			t.Errorf("%s Hours(%s) = %s, %s, %v; want %s, %s", tt.code, tt.date, open.UTC().Format(time.RFC3339), cls.UTC().Format(time.RFC3339), ok, tt.open, tt.close)
		}
		if got, _ := c.Special(d); got != tt.special {
			t.Errorf("%s Special(%s) = %q, want %q", tt.code, tt.date, got, tt.special)
		}
	}
}

// LastClosed uses the day's own close: on an early-close day the session
// has closed at 13:00 New York, on a CSAT day not before 16:30 Seoul.
func TestLastClosedSpecialHours(t *testing.T) {
	tests := []struct{ code, now, want string }{
		{"XNYS", "2026-11-27T17:59:59Z", "2026-11-25"},
		{"XNYS", "2026-11-27T18:00:00Z", "2026-11-27"},
		{"XKRX", "2025-11-13T06:30:00Z", "2025-11-12"},
		{"XKRX", "2025-11-13T07:30:00Z", "2025-11-13"},
		{"XLON", "2026-12-24T12:30:00Z", "2026-12-24"},
		{"XLON", "2026-12-24T12:29:00Z", "2026-12-23"},
		{"XTKS", "2026-10-12T07:00:00Z", "2026-10-09"},
		{"CRYPTO", "2026-12-06T00:00:00Z", "2026-12-05"},
		{"CRYPTO", "2026-12-05T23:59:59Z", "2026-12-04"},
		{"FX", "2026-12-07T12:00:00Z", "2026-12-04"}, // Monday noon: Friday's bar
		{"FX", "2026-12-08T00:00:00Z", "2026-12-07"},
	}
	for _, tt := range tests {
		now, err := time.Parse(time.RFC3339, tt.now)
		if err != nil {
			t.Fatal(err)
		}
		if got := mustFor(t, tt.code).LastClosed(now); got != date(t, tt.want) {
			t.Errorf("%s LastClosed(%s) = %s, want %s", tt.code, tt.now, got, tt.want)
		}
	}
}

// After its last year a table says nothing: Covers is false and only
// weekends close the market, which the validator reports instead of gaps.
func TestTablesEnd(t *testing.T) {
	tests := []struct {
		code      string
		last      int
		firstNext string // a day after the table that a holiday would close, now a session
	}{
		{"XTKS", 2027, "2028-01-03"},
		{"XLON", 2027, "2028-04-14"},
		{"XHKG", 2027, "2028-01-26"},
		{"XSHG", 2026, "2027-02-08"},
		{"XNSE", 2026, "2027-01-26"},
		{"XTAI", 2027, "2028-02-28"},
	}
	for _, tt := range tests {
		c := mustFor(t, tt.code)
		if c.LastYear() != tt.last {
			t.Errorf("%s LastYear = %d, want %d", tt.code, c.LastYear(), tt.last)
		}
		if !c.Covers(market.NewDate(tt.last, time.December, 31)) || c.Covers(market.NewDate(tt.last+1, time.January, 1)) {
			t.Errorf("%s Covers wrong around the end of %d", tt.code, tt.last)
		}
		if c.Covers(date(t, "2009-12-31")) {
			t.Errorf("%s Covers(2009-12-31) = true before the table", tt.code)
		}
		if d := date(t, tt.firstNext); !c.IsSession(d) {
			t.Errorf("%s IsSession(%s) = false after the table: it would invent a closure", tt.code, tt.firstNext)
		}
	}
	for _, code := range []string{"CRYPTO", "FX"} {
		c := mustFor(t, code)
		if !c.Covers(date(t, "2010-01-01")) || !c.Covers(date(t, "2099-12-31")) {
			t.Errorf("%s does not cover 2010-2099", code)
		}
	}
	if c := mustFor(t, "CRYPTO"); !c.IsSession(date(t, "2026-12-05")) || c.Next(date(t, "2026-12-05")) != date(t, "2026-12-06") {
		t.Error("crypto closed on a weekend")
	}
	if c := mustFor(t, "FX"); c.IsSession(date(t, "2026-12-05")) || !c.IsSession(date(t, "2027-01-01")) {
		t.Error("FX: weekend open or 1 January closed")
	}
}

// Overrides fix any table, the new ones too.
func TestOverridesOnAnyTable(t *testing.T) {
	c := mustFor(t, "XHKG").WithOverrides([]calendar.Override{{Date: date(t, "2026-09-16"), Reason: "Typhoon signal 8"}})
	if c.IsSession(date(t, "2026-09-16")) {
		t.Error("override did not close 2026-09-16")
	}
	if r, _ := c.Holiday(date(t, "2026-09-16")); r != "Typhoon signal 8" {
		t.Errorf("reason = %q", r)
	}
}

// Every registered market has a calendar, and on an ordinary recent session
// its hours are the registry's regular ones: the registry and the tables
// agree.
func TestEveryMarketHasACalendar(t *testing.T) {
	ms, err := market.Markets()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		c, err := calendar.For(m.Code)
		if err != nil {
			t.Errorf("For(%s): %v", m.Code, err)
			continue
		}
		d := c.Prev(date(t, "2026-12-01"))
		for _, special := c.Special(d); special; _, special = c.Special(d) {
			d = c.Prev(d)
		}
		open, cls, ok := c.Hours(d)
		wantOpen := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, m.Location).Add(m.Open)
		wantClose := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, m.Location).Add(m.Close)
		if !ok || !open.Equal(wantOpen) || !cls.Equal(wantClose) {
			t.Errorf("%s Hours(%s) = %s-%s, want the registry's %s-%s", m.Code, d, open, cls, wantOpen, wantClose)
		}
	}
}
