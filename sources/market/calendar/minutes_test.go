package calendar_test

import (
	"testing"
	"time"

	"github.com/marketd/marketd/sources/market"
)

func utc(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestBarStarts checks the exact number of bars per session and where the
// first and last start, in UTC, on the days whose hours are not the usual
// ones: both US DST transitions, an early close, KRX's late openings.
func TestBarStarts(t *testing.T) {
	for _, tt := range []struct {
		cal, day    string
		iv          market.Interval
		n           int
		first, last string
	}{
		// A winter XNYS day: 9:30 EST is 14:30 UTC.
		{"XNYS", "2026-01-05", market.Interval1m, 390, "2026-01-05T14:30:00Z", "2026-01-05T20:59:00Z"},
		// The Friday before the spring transition is still EST; the
		// Monday after is EDT, 13:30 UTC, and still 390 minutes.
		{"XNYS", "2026-03-06", market.Interval1m, 390, "2026-03-06T14:30:00Z", "2026-03-06T20:59:00Z"},
		{"XNYS", "2026-03-09", market.Interval1m, 390, "2026-03-09T13:30:00Z", "2026-03-09T19:59:00Z"},
		// Back to EST on 2026-11-01.
		{"XNYS", "2026-10-30", market.Interval1m, 390, "2026-10-30T13:30:00Z", "2026-10-30T19:59:00Z"},
		{"XNYS", "2026-11-02", market.Interval1m, 390, "2026-11-02T14:30:00Z", "2026-11-02T20:59:00Z"},
		// The day after Thanksgiving closes at 13:00: 210 minutes.
		{"XNYS", "2026-11-27", market.Interval1m, 210, "2026-11-27T14:30:00Z", "2026-11-27T17:59:00Z"},
		{"XNYS", "2026-11-27", market.Interval5m, 42, "2026-11-27T14:30:00Z", "2026-11-27T17:55:00Z"},
		// 210 minutes hold three whole hours and a half: four bars.
		{"XNYS", "2026-11-27", market.Interval60m, 4, "2026-11-27T14:30:00Z", "2026-11-27T17:30:00Z"},
		{"XNYS", "2026-01-05", market.Interval5m, 78, "2026-01-05T14:30:00Z", "2026-01-05T20:55:00Z"},
		// 390 minutes: six whole hours and the 15:30-16:00 half hour.
		{"XNYS", "2026-01-05", market.Interval60m, 7, "2026-01-05T14:30:00Z", "2026-01-05T20:30:00Z"},
		{"XNYS", "2026-03-09", market.Interval1d, 1, "2026-03-09T13:30:00Z", "2026-03-09T13:30:00Z"},
		// KRX, 9:00-15:30 KST (UTC+9, no DST).
		{"XKRX", "2026-01-05", market.Interval1m, 390, "2026-01-05T00:00:00Z", "2026-01-05T06:29:00Z"},
		{"XKRX", "2026-01-05", market.Interval5m, 78, "2026-01-05T00:00:00Z", "2026-01-05T06:25:00Z"},
		{"XKRX", "2026-01-05", market.Interval60m, 7, "2026-01-05T00:00:00Z", "2026-01-05T06:00:00Z"},
		// The first session of 2026 opens at 10:00: 330 minutes.
		{"XKRX", "2026-01-02", market.Interval1m, 330, "2026-01-02T01:00:00Z", "2026-01-02T06:29:00Z"},
		{"XKRX", "2026-01-02", market.Interval5m, 66, "2026-01-02T01:00:00Z", "2026-01-02T06:25:00Z"},
		{"XKRX", "2026-01-02", market.Interval60m, 6, "2026-01-02T01:00:00Z", "2026-01-02T06:00:00Z"},
		// The college entrance exam: 10:00-16:30, 390 minutes.
		{"XKRX", "2026-11-19", market.Interval1m, 390, "2026-11-19T01:00:00Z", "2026-11-19T07:29:00Z"},
		{"XKRX", "2026-11-19", market.Interval60m, 7, "2026-11-19T01:00:00Z", "2026-11-19T07:00:00Z"},
	} {
		c := mustFor(t, tt.cal)
		d := date(t, tt.day)
		got := c.BarStarts(d, tt.iv)
		if len(got) != tt.n || c.BarCount(d, tt.iv) != tt.n {
			t.Errorf("%s %s %s: %d starts, BarCount %d; want %d", tt.cal, tt.day, tt.iv, len(got), c.BarCount(d, tt.iv), tt.n)
			continue
		}
		if first, last := utc(t, tt.first), utc(t, tt.last); !got[0].Equal(first) || !got[len(got)-1].Equal(last) {
			t.Errorf("%s %s %s: first %v, last %v; want %v, %v", tt.cal, tt.day, tt.iv, got[0], got[len(got)-1], first, last)
		}
		for i, s := range got {
			if s.Location() != time.UTC {
				t.Fatalf("%s %s %s: start %d in %v, want UTC", tt.cal, tt.day, tt.iv, i, s.Location())
			}
			if i > 0 && s.Sub(got[i-1]) != tt.iv.Duration() {
				t.Fatalf("%s %s %s: start %d is %v after the one before", tt.cal, tt.day, tt.iv, i, s.Sub(got[i-1]))
			}
		}
	}
}

// TestBarStartsNoSession: a holiday, a weekend and an invalid interval
// expect no bar at all.
func TestBarStartsNoSession(t *testing.T) {
	for _, tt := range []struct {
		cal, day string
		iv       market.Interval
	}{
		{"XNYS", "2026-11-26", market.Interval1m}, // Thanksgiving
		{"XNYS", "2026-03-08", market.Interval1m}, // the Sunday of the transition
		{"XKRX", "2026-01-01", market.Interval1m},
		{"XKRX", "2026-01-05", market.Interval(0)},
	} {
		c := mustFor(t, tt.cal)
		if got := c.BarStarts(date(t, tt.day), tt.iv); got != nil || c.BarCount(date(t, tt.day), tt.iv) != 0 {
			t.Errorf("%s %s %s: %d starts, want none", tt.cal, tt.day, tt.iv, len(got))
		}
	}
}
