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

// TestBarStartsMiddayBreak: markets that pause at noon expect no bar in
// the break, and each part of the session aligns its bars to its own
// start. Counts by arithmetic, in the exchange's wall clock:
//   - XTKS since 2024-11-05: 09:00-11:30 (150) + 12:30-15:30 (180) = 330;
//     2011-11-21..2024-11-04: 150 + 12:30-15:00 (150) = 300; before:
//     09:00-11:00 (120) + 150 = 270. 60m: ceil(150/60) + ceil(180/60) = 3 + 3.
//   - XHKG since 2012-03-05: 09:30-12:00 (150) + 13:00-16:00 (180) = 330;
//     2011-03-07..2012-03-02: 150 + 13:30-16:00 (150) = 300; before:
//     10:00-12:30 (150) + 14:30-16:00 (90) = 240. A half day closes at
//     12:00, where the break begins: 150, no afternoon.
//   - XSHG/XSHE: 09:30-11:30 (120) + 13:00-15:00 (120) = 240.
func TestBarStartsMiddayBreak(t *testing.T) {
	for _, tt := range []struct {
		cal, day               string
		iv                     market.Interval
		n                      int
		first, lastAM, firstPM string // "" lastAM: no afternoon
		last                   string
	}{
		{"XTKS", "2025-01-06", market.Interval1m, 330, "2025-01-06T00:00:00Z", "2025-01-06T02:29:00Z", "2025-01-06T03:30:00Z", "2025-01-06T06:29:00Z"},
		{"XTKS", "2025-01-06", market.Interval5m, 66, "2025-01-06T00:00:00Z", "2025-01-06T02:25:00Z", "2025-01-06T03:30:00Z", "2025-01-06T06:25:00Z"},
		{"XTKS", "2025-01-06", market.Interval60m, 6, "2025-01-06T00:00:00Z", "2025-01-06T02:00:00Z", "2025-01-06T03:30:00Z", "2025-01-06T05:30:00Z"},
		{"XTKS", "2024-11-01", market.Interval1m, 300, "2024-11-01T00:00:00Z", "2024-11-01T02:29:00Z", "2024-11-01T03:30:00Z", "2024-11-01T05:59:00Z"},
		{"XTKS", "2011-11-21", market.Interval1m, 300, "2011-11-21T00:00:00Z", "2011-11-21T02:29:00Z", "2011-11-21T03:30:00Z", "2011-11-21T05:59:00Z"},
		{"XTKS", "2011-11-18", market.Interval1m, 270, "2011-11-18T00:00:00Z", "2011-11-18T01:59:00Z", "2011-11-18T03:30:00Z", "2011-11-18T05:59:00Z"},
		{"XHKG", "2026-01-05", market.Interval1m, 330, "2026-01-05T01:30:00Z", "2026-01-05T03:59:00Z", "2026-01-05T05:00:00Z", "2026-01-05T07:59:00Z"},
		{"XHKG", "2026-01-05", market.Interval60m, 6, "2026-01-05T01:30:00Z", "2026-01-05T03:30:00Z", "2026-01-05T05:00:00Z", "2026-01-05T07:00:00Z"},
		{"XHKG", "2011-06-01", market.Interval1m, 300, "2011-06-01T01:30:00Z", "2011-06-01T03:59:00Z", "2011-06-01T05:30:00Z", "2011-06-01T07:59:00Z"},
		{"XHKG", "2010-06-01", market.Interval1m, 240, "2010-06-01T02:00:00Z", "2010-06-01T04:29:00Z", "2010-06-01T06:30:00Z", "2010-06-01T07:59:00Z"},
		{"XHKG", "2026-12-24", market.Interval1m, 150, "2026-12-24T01:30:00Z", "", "", "2026-12-24T03:59:00Z"},
		{"XSHG", "2026-01-05", market.Interval1m, 240, "2026-01-05T01:30:00Z", "2026-01-05T03:29:00Z", "2026-01-05T05:00:00Z", "2026-01-05T06:59:00Z"},
		{"XSHE", "2026-01-05", market.Interval5m, 48, "2026-01-05T01:30:00Z", "2026-01-05T03:25:00Z", "2026-01-05T05:00:00Z", "2026-01-05T06:55:00Z"},
		{"XSHG", "2026-01-05", market.Interval1d, 1, "2026-01-05T01:30:00Z", "", "", "2026-01-05T01:30:00Z"},
	} {
		c := mustFor(t, tt.cal)
		d := date(t, tt.day)
		got := c.BarStarts(d, tt.iv)
		if len(got) != tt.n || c.BarCount(d, tt.iv) != tt.n {
			t.Errorf("%s %s %s: %d starts, BarCount %d; want %d", tt.cal, tt.day, tt.iv, len(got), c.BarCount(d, tt.iv), tt.n)
			continue
		}
		if !got[0].Equal(utc(t, tt.first)) || !got[len(got)-1].Equal(utc(t, tt.last)) {
			t.Errorf("%s %s %s: first %v, last %v; want %s, %s", tt.cal, tt.day, tt.iv, got[0], got[len(got)-1], tt.first, tt.last)
		}
		// Every step is one interval but the break's, from the morning's
		// last bar to the afternoon's first.
		jumps := 0
		for i := 1; i < len(got); i++ {
			if got[i].Sub(got[i-1]) == tt.iv.Duration() {
				continue
			}
			jumps++
			if tt.lastAM == "" || !got[i-1].Equal(utc(t, tt.lastAM)) || !got[i].Equal(utc(t, tt.firstPM)) {
				t.Errorf("%s %s %s: jump from %v to %v; want the break %s -> %s", tt.cal, tt.day, tt.iv, got[i-1], got[i], tt.lastAM, tt.firstPM)
			}
		}
		if want := map[bool]int{true: 0, false: 1}[tt.lastAM == ""]; jumps != want {
			t.Errorf("%s %s %s: %d jumps, want %d", tt.cal, tt.day, tt.iv, jumps, want)
		}
	}
}

// TestBreak: the break as instants, and none where a market trades
// through noon or a half day closes at the break.
func TestBreak(t *testing.T) {
	for _, tt := range []struct {
		cal, day   string
		start, end string // "" = no break
	}{
		{"XTKS", "2025-01-06", "2025-01-06T02:30:00Z", "2025-01-06T03:30:00Z"},
		{"XHKG", "2026-01-05", "2026-01-05T04:00:00Z", "2026-01-05T05:00:00Z"},
		{"XHKG", "2026-12-24", "", ""},
		{"XSHE", "2026-01-05", "2026-01-05T03:30:00Z", "2026-01-05T05:00:00Z"},
		{"XKRX", "2026-01-05", "", ""},
		{"XNYS", "2026-01-05", "", ""},
		{"XTAI", "2026-01-05", "", ""}, // 09:00-13:30 without a pause
		{"XTKS", "2026-01-01", "", ""}, // closed
	} {
		start, end, ok := mustFor(t, tt.cal).Break(date(t, tt.day))
		if tt.start == "" {
			if ok {
				t.Errorf("%s %s: break %v-%v, want none", tt.cal, tt.day, start, end)
			}
			continue
		}
		if !ok || !start.Equal(utc(t, tt.start)) || !end.Equal(utc(t, tt.end)) {
			t.Errorf("%s %s: break %v-%v %v, want %s-%s", tt.cal, tt.day, start, end, ok, tt.start, tt.end)
		}
	}
}
