package collector

import (
	"context"
	"slices"
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

// Against the simulated market with the real sources: collect stores
// exactly the ground truth for US and Korean stocks, within the market's
// rate limit, and the next day's Korean bars come from the polling batch.
func TestCollectSimulatedMarket(t *testing.T) {
	now := time.Date(2026, 3, 6, 12, 0, 0, 0, time.UTC) // Fri 21:00 KST (settled), 07:00 New York
	clock := func() time.Time { return now }
	m, st, c := simMarket(t, clock, []sourcetest.Symbol{
		{Symbol: "AAPL"}, {Symbol: "MSFT"}, {Symbol: "005930"}, {Symbol: "000660"}, {Symbol: "247540", Board: "KOSDAQ"},
	})
	ctx := context.Background()
	insts := []market.Instrument{
		{Key: market.Key{Source: market.SourceYahoo, Symbol: "AAPL"}, Market: market.XNYS, Active: true},
		{Key: market.Key{Source: market.SourceYahoo, Symbol: "MSFT"}, Market: market.XNYS, Active: true},
		{Key: market.Key{Source: market.SourceNaver, Symbol: "005930"}, Market: market.XKRX, Board: "KOSPI", Active: true},
		{Key: market.Key{Source: market.SourceNaver, Symbol: "000660"}, Market: market.XKRX, Board: "KOSPI", Active: true},
		{Key: market.Key{Source: market.SourceNaver, Symbol: "247540"}, Market: market.XKRX, Board: "KOSDAQ", Active: true},
	}
	if _, err := st.AddInstruments(ctx, insts); err != nil {
		t.Fatal(err)
	}
	check := func(run string) {
		t.Helper()
		for _, in := range insts {
			cal, _ := calendar.For(in.Market)
			to := cal.LastClosed(now)
			from := to.AddDays(-60)
			got, err := st.Bars(ctx, in.Key, from, to)
			if err != nil {
				t.Fatal(err)
			}
			want := m.Bars(in.Source, in.Symbol, from, to)
			if len(want) == 0 || len(got) != len(want) {
				t.Errorf("%s: %s: %d bars stored, truth has %d", run, in.Key, len(got), len(want))
				continue
			}
			for i := range want {
				g, w := got[i], want[i]
				g.Final, w.Final = false, false
				if g != w {
					t.Errorf("%s: %s: stored %+v, truth %+v", run, in.Key, g, w)
					break
				}
			}
			if wm, _ := st.Watermarks(ctx, in.Source); wm[in.Key] != to {
				t.Errorf("%s: %s watermark %s, want %s", run, in.Key, wm[in.Key], to)
			}
		}
	}

	s, err := c.Collect(ctx, CollectRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if s.OK != 5 || s.Failed != 0 || s.Status != store.RunOK {
		t.Fatalf("first run %s", s)
	}
	check("first run")

	now = time.Date(2026, 3, 9, 12, 0, 0, 0, time.UTC) // Mon 21:00 KST: one settled session due
	before := m.Stats()
	s, err = c.Collect(ctx, CollectRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if s.OK != 5 || s.Failed != 0 {
		t.Fatalf("second run %s", s)
	}
	check("second run")
	after := m.Stats()
	polling := after.Routes[sourcetest.RoutePolling].Requests - before.Routes[sourcetest.RoutePolling].Requests
	naverOther := after.Routes[sourcetest.RouteFChart].Requests + after.Routes[sourcetest.RouteSiseJSON].Requests -
		before.Routes[sourcetest.RouteFChart].Requests - before.Routes[sourcetest.RouteSiseJSON].Requests
	if polling != 2 || naverOther != 0 {
		t.Errorf("second run: %d polling requests and %d per-instrument Naver requests, want 2 (3 codes, batch of 2) and 0", polling, naverOther)
	}
	if after.Violations != 0 {
		t.Errorf("%d requests beyond the market's rate limit", after.Violations)
	}
}

// simMarket starts the simulated market with symbols and returns it, an
// empty store and a collector over the real Yahoo and Naver sources.
func simMarket(t *testing.T, clock func() time.Time, symbols []sourcetest.Symbol) (*sourcetest.Market, *store.Store, *Collector) {
	t.Helper()
	limits, err := sourcetest.ParseLimits("yahoo=20/s,naver=20/s")
	if err != nil {
		t.Fatal(err)
	}
	m := sourcetest.New(sourcetest.Options{Now: clock, Limits: limits, Symbols: symbols})
	url, stop := m.Start()
	t.Cleanup(stop)
	st := newStore(t)
	// The clients keep under the market's limit (20/s) with room for jitter.
	hx := httpx.Config{Rate: rate.Limit(15), Burst: 1, MinBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond}
	ypool, npool := httpx.NewPool(hx, nil), httpx.NewPool(hx, nil)
	c, err := New(Config{Host: "test", InitialHistory: func(to market.Date) market.Date { return to.AddDays(-60) }},
		Deps{
			Sources: map[string]Source{
				market.SourceYahoo: yahoo.New(yahoo.Config{BaseURL: url, Now: clock}, ypool.Client()),
				market.SourceNaver: naver.New(naver.Config{FChartURL: url, APIURL: url, PollingURL: url, MobileURL: url, PollingBatch: 2, Now: clock}, npool.Client()),
			},
			Store:     st,
			Calendars: func(_ context.Context, code string) (Calendar, error) { return calendar.For(code) },
			Log:       discard,
			Now:       clock,
			Stats: func() map[string]httpx.Stats {
				return map[string]httpx.Stats{market.SourceYahoo: ypool.Total(), market.SourceNaver: npool.Total()}
			},
		})
	if err != nil {
		t.Fatal(err)
	}
	return m, st, c
}

// Naver declares that it hides splits, and the collector, wired with the
// real source and nothing else, finds one: the polling batch's bar jumps
// past the daily limit, so the whole history is fetched again and matches
// the split-adjusted truth.
func TestCollectFindsNaverSilentSplit(t *testing.T) {
	now := time.Date(2026, 3, 6, 12, 0, 0, 0, time.UTC) // Fri 21:00 KST
	clock := func() time.Time { return now }
	split := market.NewDate(2026, 3, 9)
	m, st, c := simMarket(t, clock, []sourcetest.Symbol{
		{Symbol: "005930", Splits: []sourcetest.Split{{Date: split, Numerator: 2, Denominator: 1}}},
	})
	ctx := context.Background()
	key := market.Key{Source: market.SourceNaver, Symbol: "005930"}
	if _, err := st.AddInstruments(ctx, []market.Instrument{{Key: key, Market: market.XKRX, Board: market.BoardKOSPI, Active: true}}); err != nil {
		t.Fatal(err)
	}
	if s, err := c.Collect(ctx, CollectRequest{}); err != nil || s.OK != 1 || s.Refetched != 0 {
		t.Fatalf("first run: %s, %v", s, err)
	}
	now = time.Date(2026, 3, 9, 12, 0, 0, 0, time.UTC) // Mon 21:00 KST: the split's session has settled
	s, err := c.Collect(ctx, CollectRequest{})
	if err != nil || s.OK != 1 || s.Refetched != 1 {
		t.Fatalf("run after the split: %s, %v; want the history refetched", s, err)
	}
	from := split.AddDays(-30)
	got, err := st.Bars(ctx, key, from, split)
	if err != nil {
		t.Fatal(err)
	}
	want := m.Bars(market.SourceNaver, "005930", from, split)
	for i := range got {
		got[i].Final = false
	}
	for i := range want {
		want[i].Final = false
	}
	if len(want) == 0 || !slices.Equal(got, want) {
		t.Errorf("stored after the split:\n%+v\ntruth:\n%+v", got, want)
	}
}

// Against the simulated market, instruments of other markets are collected
// on their own calendars: a Tokyo stock without Sports Day (2026-10-12), a
// crypto pair every day including the weekend, a currency pair and a
// Xetra stock every weekday; each exactly as the market serves it.
func TestCollectSimulatedMarkets(t *testing.T) {
	now := time.Date(2026, 10, 17, 12, 0, 0, 0, time.UTC) // Saturday
	clock := func() time.Time { return now }
	m, st, c := simMarket(t, clock, []sourcetest.Symbol{
		{Symbol: "7203.T"}, {Symbol: "BTC-USD"}, {Symbol: "EURUSD=X"}, {Symbol: "SAP.DE"},
	})
	ctx := context.Background()
	var insts []market.Instrument
	for sym, mic := range map[string]string{"7203.T": "XTKS", "BTC-USD": market.CRYPTO, "EURUSD=X": market.FX, "SAP.DE": "XETR"} {
		insts = append(insts, market.Instrument{Key: market.Key{Source: market.SourceYahoo, Symbol: sym}, Market: mic, Active: true})
	}
	if _, err := st.AddInstruments(ctx, insts); err != nil {
		t.Fatal(err)
	}
	s, err := c.Collect(ctx, CollectRequest{})
	if err != nil || s.OK != 4 || s.Failed != 0 {
		t.Fatalf("collect: %s, %v", s, err)
	}
	from := market.NewDate(2026, 10, 5)
	wantLast := map[string]market.Date{"7203.T": 20261016, "BTC-USD": 20261016, "EURUSD=X": 20261016, "SAP.DE": 20261016}
	// At Saturday noon every market's last closed session is Friday's:
	// crypto's Saturday (UTC) and FX's (London) are still in progress.
	for _, in := range insts {
		cal, _ := calendar.For(in.Market)
		to := cal.LastClosed(now)
		if to != wantLast[in.Symbol] {
			t.Errorf("%s: last closed %s, want %s", in.Symbol, to, wantLast[in.Symbol])
		}
		got, err := st.Bars(ctx, in.Key, from, to)
		if err != nil {
			t.Fatal(err)
		}
		var dates []market.Date
		for i := range got {
			dates = append(dates, got[i].Date)
			got[i].Final = false
		}
		if want := cal.Sessions(from, to); !slices.Equal(dates, want) {
			t.Errorf("%s: stored dates %v, want the %s sessions %v", in.Symbol, dates, in.Market, want)
		}
		want := m.Bars(in.Source, in.Symbol, from, to)
		for i := range want {
			want[i].Final = false
		}
		if len(want) == 0 || !slices.Equal(got, want) {
			t.Errorf("%s: stored\n%+v\ntruth\n%+v", in.Symbol, got, want)
		}
	}
	tokyo, _ := st.Bars(ctx, market.Key{Source: market.SourceYahoo, Symbol: "7203.T"}, 20261012, 20261012)
	crypto, _ := st.Bars(ctx, market.Key{Source: market.SourceYahoo, Symbol: "BTC-USD"}, 20261010, 20261011)
	if len(tokyo) != 0 || len(crypto) != 2 {
		t.Errorf("7203.T has %d bars on Sports Day (want 0); BTC-USD %d on the weekend of the 10th (want 2)", len(tokyo), len(crypto))
	}
}
