package e2e_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/marketd/marketd/collector"
	"github.com/marketd/marketd/sources/httpx"
	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/market/calendar"
	"github.com/marketd/marketd/sources/naver"
	"github.com/marketd/marketd/sources/sourcetest"
	"github.com/marketd/marketd/sources/yahoo"
	"github.com/marketd/marketd/store"
)

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

// Fri 2026-03-06 12:00 UTC: 21:00 in Seoul (Thursday's and Friday's KRX
// bars settled), 07:00 in New York (Thursday the last closed XNYS session).
var fixedNow = time.Date(2026, 3, 6, 12, 0, 0, 0, time.UTC)

func clockAt(t time.Time) func() time.Time { return func() time.Time { return t } }

// universe returns n instruments, half US tickers on Yahoo and half KRX
// codes on Naver, with the matching simulator symbols.
func universe(n int) ([]market.Instrument, []sourcetest.Symbol) {
	var insts []market.Instrument
	var syms []sourcetest.Symbol
	for i := range n {
		if i%2 == 0 {
			sym := fmt.Sprintf("US%04d", i/2)
			insts = append(insts, market.Instrument{Key: market.Key{Source: market.SourceYahoo, Symbol: sym}, Market: market.XNYS, Active: true})
			syms = append(syms, sourcetest.Symbol{Symbol: sym})
			continue
		}
		code := fmt.Sprintf("9%05d", i/2)
		insts = append(insts, market.Instrument{Key: market.Key{Source: market.SourceNaver, Symbol: code}, Market: market.XKRX, Board: "KOSPI", Active: true})
		syms = append(syms, sourcetest.Symbol{Symbol: code})
	}
	return insts, syms
}

// recorder counts the requests that reach the market per symbol, with the
// first date each asked for, so a test can tell which ranges were fetched.
type recorder struct {
	next http.Handler
	// afterN, when set, is called once the N-th request has arrived.
	afterN int
	onN    func()

	mu    sync.Mutex
	total int
	asks  map[string][]market.Date // by symbol: the window start of each request
}

func newRecorder(next http.Handler) *recorder {
	return &recorder{next: next, asks: map[string][]market.Date{}}
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	sym, from := requestWindow(req)
	r.mu.Lock()
	r.total++
	r.asks[sym] = append(r.asks[sym], from)
	fire := r.onN != nil && r.total == r.afterN
	r.mu.Unlock()
	if fire {
		r.onN()
	}
	r.next.ServeHTTP(w, req)
}

// setTrigger makes fn run when the n-th request arrives (before it is served).
func (r *recorder) setTrigger(n int, fn func()) {
	r.mu.Lock()
	r.afterN, r.onN = n, fn
	r.mu.Unlock()
}

func (r *recorder) snapshot() (int, map[string][]market.Date) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string][]market.Date, len(r.asks))
	for k, v := range r.asks {
		out[k] = slices.Clone(v)
	}
	return r.total, out
}

// requestWindow reads the symbol and the first date a chart or siseJson
// request asks for (0 when the route has no window).
func requestWindow(req *http.Request) (string, market.Date) {
	q := req.URL.Query()
	if sym, ok := strings.CutPrefix(req.URL.Path, "/v8/finance/chart/"); ok {
		p1, _ := strconv.ParseInt(q.Get("period1"), 10, 64)
		// yahoo.query asks from one day before the first date, at UTC midnight.
		return sym, market.DateOf(time.Unix(p1, 0).UTC()).AddDays(1)
	}
	if s := q.Get("startTime"); s != "" {
		d, _ := strconv.Atoi(s)
		return q.Get("symbol"), market.Date(d)
	}
	return q.Get("symbol"), 0
}

// server serves h on a local listener and stops it (and the market's hung
// requests) at cleanup.
func server(tb testing.TB, m *sourcetest.Market, h http.Handler) string {
	srv := httptest.NewServer(h)
	tb.Cleanup(func() {
		m.Close()
		srv.Close()
	})
	return srv.URL
}

// pipeline is a collector wired to the simulated market the way cmd wires
// it to the real sites: one httpx pool per source.
type pipeline struct {
	c            *collector.Collector
	ypool, npool *httpx.Pool
}

func newPipeline(tb testing.TB, st collector.Store, url string, now func() time.Time, hx httpx.Config, cfg collector.Config) *pipeline {
	tb.Helper()
	p := &pipeline{ypool: httpx.NewPool(hx, nil), npool: httpx.NewPool(hx, nil)}
	if cfg.Host == "" {
		cfg.Host = "e2e"
	}
	y := yahoo.New(yahoo.Config{BaseURL: url, Now: now}, p.ypool.Client())
	n := naver.New(naver.Config{FChartURL: url, APIURL: url, PollingURL: url, MobileURL: url, Now: now}, p.npool.Client())
	c, err := collector.New(cfg, collector.Deps{
		Sources:       map[string]collector.Source{market.SourceYahoo: y, market.SourceNaver: n},
		MinuteSources: map[string]collector.MinuteSource{market.SourceYahoo: y, market.SourceNaver: n},
		Store:         st,
		Calendars:     func(_ context.Context, code string) (collector.Calendar, error) { return calendar.For(code) },
		Log:           discard,
		Now:           now,
		Stats: func() map[string]httpx.Stats {
			return map[string]httpx.Stats{market.SourceYahoo: p.ypool.Total(), market.SourceNaver: p.npool.Total()}
		},
	})
	if err != nil {
		tb.Fatal(err)
	}
	p.c = c
	return p
}

// lastClosed is the last closed session of an instrument's market at now.
func lastClosed(tb testing.TB, inst market.Instrument, now time.Time) market.Date {
	cal, err := calendar.For(inst.Market)
	if err != nil {
		tb.Fatal(err)
	}
	return cal.LastClosed(now)
}

// checkTruth compares what st holds for every instrument over from..to
// (to capped at its market's last closed session) with the simulated
// market's ground truth: the same sessions, no duplicate, none missing,
// every field equal. Final is the collector's call and is not compared.
func checkTruth(tb testing.TB, st *store.Store, m *sourcetest.Market, insts []market.Instrument, from market.Date, now time.Time) {
	tb.Helper()
	for _, in := range insts {
		checkTruthRange(tb, st, m, []market.Instrument{in}, from, lastClosed(tb, in, now))
	}
}

// checkTruthRange is checkTruth over a fixed from..to.
func checkTruthRange(tb testing.TB, st *store.Store, m *sourcetest.Market, insts []market.Instrument, from, to market.Date) {
	tb.Helper()
	ctx := context.Background()
	for _, in := range insts {
		got, err := st.Bars(ctx, in.Key, from, to)
		if err != nil {
			tb.Fatal(err)
		}
		want := m.Bars(in.Source, in.Symbol, from, to)
		if len(want) == 0 {
			tb.Fatalf("%s: the ground truth is empty over %s..%s", in.Key, from, to)
		}
		if msg := diffBars(got, want); msg != "" {
			tb.Errorf("%s over %s..%s: %s", in.Key, from, to, msg)
		}
		gotActs, err := st.Actions(ctx, in.Key, from, to)
		if err != nil {
			tb.Fatal(err)
		}
		if wantActs := m.Actions(in.Source, in.Symbol, from, to); !slices.Equal(gotActs, wantActs) {
			tb.Errorf("%s: stored actions %+v, truth %+v", in.Key, gotActs, wantActs)
		}
	}
}

// diffBars says how got differs from want, or "".
func diffBars(got, want []market.Bar) string {
	for i := 1; i < len(got); i++ {
		if got[i].Date <= got[i-1].Date {
			return fmt.Sprintf("dates not strictly ascending at %s after %s (a duplicate?)", got[i].Date, got[i-1].Date)
		}
	}
	have := make(map[market.Date]market.Bar, len(got))
	for _, b := range got {
		have[b.Date] = b
	}
	var missing []market.Date
	for _, w := range want {
		g, ok := have[w.Date]
		if !ok {
			missing = append(missing, w.Date)
			continue
		}
		g.Final, w.Final = false, false
		if g != w {
			return fmt.Sprintf("stored %+v, truth %+v", g, w)
		}
		delete(have, w.Date)
	}
	if len(missing) > 0 {
		return fmt.Sprintf("%d sessions missing (first %s)", len(missing), missing[0])
	}
	if len(have) > 0 {
		return fmt.Sprintf("%d bars stored that the truth does not have", len(have))
	}
	return ""
}

// checkWatermarks verifies the watermark of every instrument is its last
// closed session.
func checkWatermarks(tb testing.TB, st *store.Store, insts []market.Instrument, now time.Time) {
	tb.Helper()
	ctx := context.Background()
	wms := map[string]map[market.Key]market.Date{}
	for _, in := range insts {
		if wms[in.Source] == nil {
			w, err := st.Watermarks(ctx, in.Source)
			if err != nil {
				tb.Fatal(err)
			}
			wms[in.Source] = w
		}
		if got, want := wms[in.Source][in.Key], lastClosed(tb, in, now); got != want {
			tb.Errorf("%s: watermark %s, want %s", in.Key, got, want)
		}
	}
}
