package collector

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/marketd/marketd/sources/httpx"
	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/market/calendar"
	"github.com/marketd/marketd/sources/naver"
	"github.com/marketd/marketd/sources/sourcetest"
	"github.com/marketd/marketd/sources/yahoo"
	"github.com/marketd/marketd/store"
)

// simMinutes wires a collector to the simulated market through the real
// Yahoo and Naver sources, both as daily and as minute sources.
func simMinutes(t *testing.T, clock func() time.Time, symbols []sourcetest.Symbol) (*sourcetest.Market, *store.Store, *Collector) {
	t.Helper()
	m := sourcetest.New(sourcetest.Options{Now: clock, Symbols: symbols})
	url, stop := m.Start()
	t.Cleanup(stop)
	st := newStore(t)
	hx := httpx.Config{Rate: rate.Inf, MinBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond}
	y := yahoo.New(yahoo.Config{BaseURL: url, Now: clock}, httpx.NewPool(hx, nil).Client())
	n := naver.New(naver.Config{FChartURL: url, APIURL: url, PollingURL: url, MobileURL: url, PollingBatch: 50, Now: clock}, httpx.NewPool(hx, nil).Client())
	c, err := New(Config{Host: "test", WriteBatch: 1000}, Deps{
		Sources:       map[string]Source{market.SourceYahoo: y, market.SourceNaver: n},
		MinuteSources: map[string]MinuteSource{market.SourceYahoo: y, market.SourceNaver: n},
		Store:         st,
		Calendars:     func(_ context.Context, code string) (Calendar, error) { return calendar.For(code) },
		Log:           discard,
		Now:           clock,
	})
	if err != nil {
		t.Fatal(err)
	}
	return m, st, c
}

// checkMinuteTruth compares key's stored bars of iv in sessions from..to
// with the simulated market's, bar for bar. Naver's archive gives the
// oldest minute it holds no volume (its volumes are cumulative, and the
// minute before is gone), so for an archive that began at its reach,
// noFirstVolume: the first bar's volume is missing.
func checkMinuteTruth(t *testing.T, m *sourcetest.Market, st *store.Store, key market.Key, iv market.Interval, from, to market.Date, noFirstVolume bool) {
	t.Helper()
	want := m.MinuteTruthBetween(key, iv, from, to)
	if noFirstVolume && len(want) > 0 {
		want[0].Volume = sql.Null[int64]{}
	}
	got, err := st.MinuteBars(context.Background(), key, iv, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if err := sourcetest.DiffMinutes(got, want); err != nil {
		t.Fatalf("%s %s, sessions %s..%s: %v", key, iv, from, to, err)
	}
}

// Against the simulated market with the real sources, the archive stores
// exactly the market's minutes: Yahoo's 1m of the last 30 days (in
// 7-day requests) and 5m of the last 60, Naver's 1m archive of the last
// 7 days, an illiquid code's holes kept as holes; the next session's
// archive fetches that session alone.
func TestArchiveMinutesSimulatedMarket(t *testing.T) {
	now := time.Date(2026, 3, 6, 12, 0, 0, 0, time.UTC) // Fri 21:00 KST, 07:00 New York
	clock := func() time.Time { return now }
	m, st, c := simMinutes(t, clock, []sourcetest.Symbol{{Symbol: "AAPL"}, {Symbol: "MSFT"}, {Symbol: "005930"}, {Symbol: "000660", Illiquid: true}})
	ctx := context.Background()
	key := func(src, sym string) market.Key { return market.Key{Source: src, Symbol: sym} }
	insts := []market.Instrument{
		{Key: key("yahoo", "AAPL"), Market: market.XNYS, Active: true, Intraday: market.Interval1m},
		{Key: key("yahoo", "MSFT"), Market: market.XNYS, Active: true, Intraday: market.Interval5m},
		{Key: key("naver", "005930"), Market: market.XKRX, Active: true, Intraday: market.Interval1m},
		{Key: key("naver", "000660"), Market: market.XKRX, Active: true, Intraday: market.Interval1m},
	}
	if _, err := st.AddInstruments(ctx, insts); err != nil {
		t.Fatal(err)
	}
	s, err := c.ArchiveMinutes(ctx, ArchiveRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if s.OK != 4 || s.Failed != 0 || s.Status != store.RunOK {
		t.Fatalf("first run: %s", s)
	}
	// XNYS's last close is Thursday 03-05. 30 days back, less the hour's
	// margin, is 02-04 13:00 UTC: that session opens at 14:30 UTC; 60
	// days, 01-05. KRX's last is Friday 03-06; 7 days back is 02-27
	// 13:00 UTC, after that session's open (00:00 UTC), and 03-02 is
	// Samiljeol's substitute holiday: 03-03 on.
	checkMinuteTruth(t, m, st, key("yahoo", "AAPL"), market.Interval1m, d("2026-02-04"), d("2026-03-05"), false)
	checkMinuteTruth(t, m, st, key("yahoo", "MSFT"), market.Interval5m, d("2026-01-05"), d("2026-03-05"), false)
	checkMinuteTruth(t, m, st, key("naver", "005930"), market.Interval1m, d("2026-03-03"), d("2026-03-06"), true)
	checkMinuteTruth(t, m, st, key("naver", "000660"), market.Interval1m, d("2026-03-03"), d("2026-03-06"), true)

	// Monday after both closes: that session alone, one request each.
	now = time.Date(2026, 3, 9, 21, 0, 0, 0, time.UTC)
	before := m.Stats()
	s, err = c.ArchiveMinutes(ctx, ArchiveRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Stats().Requests - before.Requests; s.OK != 4 || s.Unchanged != 0 || got != 4 {
		t.Errorf("Monday: %d requests, run %s", got, s)
	}
	checkMinuteTruth(t, m, st, key("yahoo", "AAPL"), market.Interval1m, d("2026-02-04"), d("2026-03-09"), false)
	checkMinuteTruth(t, m, st, key("naver", "000660"), market.Interval1m, d("2026-03-03"), d("2026-03-09"), true)
}
