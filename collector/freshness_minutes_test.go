package collector

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/market/calendar"
	"github.com/marketd/marketd/store"
)

// TestMinuteFreshnessOf: on Friday 2026-10-09 at 17:00 New York, AAPL's
// last minute ends the session (fresh), MSFT's is Thursday's (behind),
// NEW has none (behind), and the KRX code's last trade at 15:20 Seoul is
// in Thursday's session, KRX's last (Friday is Hangul Day): fresh, short
// of the expected 15:29; IBM, without an interval, is left out.
func TestMinuteFreshnessOf(t *testing.T) {
	st, insts, now := minuteStatusFixture(t)
	got, err := MinuteFreshnessOf(context.Background(), st, func(_ context.Context, code string) (Calendar, error) { return calendar.For(code) },
		now, insts)
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time { v, _ := time.Parse(time.RFC3339, s); return v }
	want := []struct {
		key              market.Key
		iv               market.Interval
		latest, expected string
		closed           market.Date
		behind           bool
	}{
		{insts[0].Key, market.Interval1m, "2026-10-09T19:59:00Z", "2026-10-09T19:59:00Z", d("2026-10-09"), false},
		{insts[2].Key, market.Interval5m, "2026-10-08T19:55:00Z", "2026-10-09T19:55:00Z", d("2026-10-09"), true},
		{insts[3].Key, market.Interval1m, "", "2026-10-09T19:59:00Z", d("2026-10-09"), true},
		{insts[4].Key, market.Interval1m, "2026-10-08T06:20:00Z", "2026-10-08T06:29:00Z", d("2026-10-08"), false},
	}
	if len(got) != len(want) {
		t.Fatalf("%d results, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		var latest time.Time
		if w.latest != "" {
			latest = at(w.latest)
		}
		if g.Key != w.key || g.Interval != w.iv || !g.Latest.Equal(latest) || !g.Expected.Equal(at(w.expected)) ||
			g.LastClosed != w.closed || g.Behind() != w.behind {
			t.Errorf("%s: %+v (behind %t), want %+v", w.key, g, g.Behind(), w)
		}
	}
}

// minuteStatusFixture: AAPL (1m), IBM (no interval), MSFT (5m), NEW (1m,
// nothing stored), the KRX code 005930 (1m) and an inactive 1m code, at
// Friday 2026-10-09 17:00 New York.
func minuteStatusFixture(t *testing.T) (*store.Store, []market.Instrument, time.Time) {
	st := newStore(t)
	inst := func(src, sym, mkt string, iv market.Interval) market.Instrument {
		return market.Instrument{Key: market.Key{Source: src, Symbol: sym}, Market: mkt, Active: true, Intraday: iv}
	}
	insts := []market.Instrument{inst("yahoo", "AAPL", market.XNYS, market.Interval1m), inst("yahoo", "IBM", market.XNYS, 0),
		inst("yahoo", "MSFT", market.XNYS, market.Interval5m), inst("yahoo", "NEW", market.XNYS, market.Interval1m),
		inst("naver", "005930", market.XKRX, market.Interval1m)}
	at := func(s string) time.Time { v, _ := time.Parse(time.RFC3339, s); return v }
	one := func(k market.Key, iv market.Interval, s string) store.MinuteWrite {
		return store.MinuteWrite{Key: k, Interval: iv, Bars: []market.MinuteBar{{Start: at(s), Close: market.DecimalFromInt(1)}}}
	}
	if _, err := st.WriteMinutes(context.Background(), []store.MinuteWrite{one(insts[0].Key, market.Interval1m, "2026-10-09T19:59:00Z"),
		one(insts[2].Key, market.Interval5m, "2026-10-08T19:55:00Z"), one(insts[4].Key, market.Interval1m, "2026-10-08T06:20:00Z")}); err != nil {
		t.Fatal(err)
	}
	return st, insts, time.Date(2026, 10, 9, 21, 0, 0, 0, time.UTC)
}

// TestMinuteStatus: one line per market, source and interval of the
// active intraday instruments, times in the market's zone; an inactive
// instrument is left out, and nothing is written without any.
func TestMinuteStatus(t *testing.T) {
	st, insts, now := minuteStatusFixture(t)
	insts = append(insts, market.Instrument{Key: market.Key{Source: "naver", Symbol: "000660"}, Market: market.XKRX, Intraday: market.Interval1m})
	cals := func(_ context.Context, code string) (Calendar, error) { return calendar.For(code) }
	groups, err := MinuteStatusOf(context.Background(), st, cals, now, insts)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := WriteMinuteStatus(&b, groups); err != nil {
		t.Fatal(err)
	}
	want := "\nMARKET\tSOURCE\tINTERVAL\tINTRADAY\tFRESH\tBEHIND\tLAST MINUTE\tEXPECTED\tOLDEST LAST MINUTE\n" +
		"XKRX\tnaver\t1m\t1\t1\t0\t2026-10-08T15:20:00+09:00\t2026-10-08T15:29:00+09:00\t2026-10-08T15:20:00+09:00\n" +
		"XNYS\tyahoo\t1m\t2\t1\t1\t2026-10-09T15:59:00-04:00\t2026-10-09T15:59:00-04:00\t-\n" +
		"XNYS\tyahoo\t5m\t1\t0\t1\t2026-10-08T15:55:00-04:00\t2026-10-09T15:55:00-04:00\t2026-10-08T15:55:00-04:00\n"
	if b.String() != want {
		t.Errorf("status:\n%q\nwant\n%q", b.String(), want)
	}
	groups, err = MinuteStatusOf(context.Background(), st, cals, now, insts[1:2])
	b.Reset()
	if err != nil || len(groups) != 0 || WriteMinuteStatus(&b, groups) != nil || b.Len() != 0 {
		t.Errorf("without intraday instruments: %+v, %v, %q", groups, err, b.String())
	}
}
