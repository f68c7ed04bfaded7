package collector

import (
	"context"
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
	st := newStore(t)
	ctx := context.Background()
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
	if _, err := st.WriteMinutes(ctx, []store.MinuteWrite{one(insts[0].Key, market.Interval1m, "2026-10-09T19:59:00Z"),
		one(insts[2].Key, market.Interval5m, "2026-10-08T19:55:00Z"), one(insts[4].Key, market.Interval1m, "2026-10-08T06:20:00Z")}); err != nil {
		t.Fatal(err)
	}
	got, err := MinuteFreshnessOf(ctx, st, func(_ context.Context, code string) (Calendar, error) { return calendar.For(code) },
		time.Date(2026, 10, 9, 21, 0, 0, 0, time.UTC), insts)
	if err != nil {
		t.Fatal(err)
	}
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
