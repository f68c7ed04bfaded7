package market

import (
	"testing"
	"time"
)

func TestDate(t *testing.T) {
	d, err := ParseDate("2026-09-29")
	if err != nil {
		t.Fatal(err)
	}
	if d != 20260929 || d.String() != "2026-09-29" || d.Compact() != "20260929" {
		t.Fatalf("ParseDate = %d (%s, %s)", d, d, d.Compact())
	}
	if got := d.AddDays(3); got != 20261002 {
		t.Errorf("AddDays(3) = %s", got)
	}
	if got := NewDate(2024, 12, 31).AddDays(1); got != 20250101 {
		t.Errorf("year rollover = %s", got)
	}
	if got := NewDate(2024, 2, 28).AddDays(1); got != 20240229 {
		t.Errorf("leap day = %s", got)
	}
	if d.Weekday() != time.Tuesday {
		t.Errorf("Weekday = %v", d.Weekday())
	}
	if n := NewDate(2026, 11, 1).DaysSince(NewDate(2026, 10, 1)); n != 31 {
		t.Errorf("DaysSince = %d", n)
	}
	for _, bad := range []string{"2026-13-01", "20260929", "2026-9-29", ""} {
		if _, err := ParseDate(bad); err == nil {
			t.Errorf("ParseDate(%q) succeeded", bad)
		}
	}
	if c, err := ParseCompactDate("20260929"); err != nil || c != d {
		t.Errorf("ParseCompactDate = %v, %v", c, err)
	}
}

func TestDateOfUsesTheExchangeZone(t *testing.T) {
	seoul, _ := time.LoadLocation("Asia/Seoul")
	ny, _ := time.LoadLocation("America/New_York")
	// 373220.KS bars are stamped 00:00Z, which is 09:00 the same day in Seoul.
	stamp := time.Unix(1759104000, 0) // 2025-09-29T00:00:00Z
	if got := DateOf(stamp.In(seoul)); got != 20250929 {
		t.Errorf("Seoul date = %s", got)
	}
	// A 13:30Z stamp is 09:30 in New York on the same day, across DST too.
	for _, s := range []string{"2020-10-30T13:30:00Z", "2020-11-02T14:30:00Z"} {
		ts, _ := time.Parse(time.RFC3339, s)
		if got := DateOf(ts.In(ny)); got.String() != s[:10] {
			t.Errorf("New York date of %s = %s", s, got)
		}
	}
}

func TestMarketSettled(t *testing.T) {
	krx, err := LookupMarket("KOSPI")
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time {
		ts, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return ts
	}
	day := NewDate(2026, 9, 29)
	tests := []struct {
		now  string
		want bool
	}{
		{"2026-09-29T10:00:00+09:00", false}, // after the close, before after-hours ends
		{"2026-09-29T20:00:00+09:00", true},
		{"2026-09-30T00:10:00+09:00", true},
		{"2026-09-28T23:00:00+09:00", false}, // a future date
	}
	for _, tt := range tests {
		if got := krx.Settled(day, at(tt.now)); got != tt.want {
			t.Errorf("Settled(%s at %s) = %v, want %v", day, tt.now, got, tt.want)
		}
	}
	if _, err := LookupMarket("XXXX"); err == nil {
		t.Error("LookupMarket(XXXX) succeeded")
	}
}
