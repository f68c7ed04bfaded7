package collector

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/marketd/marketd/sources/httpx"
	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/market/calendar"
	"github.com/marketd/marketd/sources/yahoo"
	"github.com/marketd/marketd/store"
	"github.com/marketd/marketd/store/sqlite"
)

var newYork = mustLoc("America/New_York")

func mustLoc(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func d(s string) market.Date {
	v, err := market.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return v
}

// truth is the simulated market: every symbol's closes and splits, as the
// server currently tells them.
type truth struct {
	mu     sync.Mutex
	closes map[string]map[market.Date]market.Decimal
	splits map[string]map[market.Date][2]int
}

// yahooServer serves truth in Yahoo's chart format and counts requests.
type yahooServer struct {
	*httptest.Server
	t        *truth
	mu       sync.Mutex
	times    []time.Time                      // arrival of every request
	now      func() time.Time                 // stamps times; time.Now when nil
	notFound map[string]bool                  // symbols answered 404
	fail503  map[string]int                   // symbols answered 503 this many more times
	always   func(w http.ResponseWriter) bool // answers every request when it returns true
}

func newYahooServer(t testing.TB, tr *truth) *yahooServer {
	s := &yahooServer{t: tr, notFound: map[string]bool{}, fail503: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *yahooServer) total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.times)
}

func (s *yahooServer) serve(w http.ResponseWriter, r *http.Request) {
	symbol := strings.TrimPrefix(r.URL.Path, "/v8/finance/chart/")
	now := time.Now
	if s.now != nil {
		now = s.now
	}
	s.mu.Lock()
	s.times = append(s.times, now())
	nf := s.notFound[symbol]
	fail := s.fail503[symbol] > 0
	if fail {
		s.fail503[symbol]--
	}
	always := s.always
	s.mu.Unlock()
	switch {
	case always != nil && always(w):
		return
	case fail:
		http.Error(w, "upstream unavailable", http.StatusServiceUnavailable)
		return
	case nf:
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"chart":{"result":null,"error":{"code":"Not Found","description":"No data found, symbol may be delisted"}}}`)
		return
	}
	p1, _ := strconv.ParseInt(r.URL.Query().Get("period1"), 10, 64)
	p2, _ := strconv.ParseInt(r.URL.Query().Get("period2"), 10, 64)
	json.NewEncoder(w).Encode(s.t.chart(symbol, p1, p2))
}

// chart builds a chart response: bars stamped at the 09:30 open in New York.
func (tr *truth) chart(symbol string, p1, p2 int64) any {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	var stamps []int64
	var closes, opens []float64
	var vols []int64
	for day := time.Unix(p1, 0).In(newYork); day.Unix() < p2; day = day.AddDate(0, 0, 1) {
		dt := market.DateOf(day)
		c, ok := tr.closes[symbol][dt]
		if !ok {
			continue
		}
		open := time.Date(dt.Year(), dt.Month(), dt.Day(), 9, 30, 0, 0, newYork)
		if open.Unix() < p1 || open.Unix() >= p2 {
			continue
		}
		stamps = append(stamps, open.Unix())
		closes = append(closes, c.Float64())
		opens = append(opens, c.Float64())
		vols = append(vols, 1000)
	}
	splits := map[string]any{}
	for dt, ratio := range tr.splits[symbol] {
		at := time.Date(dt.Year(), dt.Month(), dt.Day(), 9, 30, 0, 0, newYork).Unix()
		if at >= p1 && at < p2 {
			splits[strconv.FormatInt(at, 10)] = map[string]any{"date": at, "numerator": ratio[0], "denominator": ratio[1]}
		}
	}
	res := map[string]any{
		"meta": map[string]any{"currency": "USD", "symbol": symbol, "exchangeTimezoneName": "America/New_York", "priceHint": 2},
		"indicators": map[string]any{
			"quote":    []any{map[string]any{"open": opens, "high": closes, "low": closes, "close": closes, "volume": vols}},
			"adjclose": []any{map[string]any{"adjclose": closes}},
		},
		"events": map[string]any{"splits": splits},
	}
	if len(stamps) > 0 {
		res["timestamp"] = stamps
	}
	return map[string]any{"chart": map[string]any{"result": []any{res}, "error": nil}}
}

// fixture is a store, a simulated Yahoo and a collector wired to them.
type fixture struct {
	t     testing.TB
	st    *store.Store
	srv   *yahooServer
	tr    *truth
	now   time.Time
	cfg   Config
	hx    httpx.Config
	store Store // what the collector writes through (st unless wrapped)
}

var xnys = mustCalendar("XNYS")

func mustCalendar(code string) *calendar.Calendar {
	c, err := calendar.For(code)
	if err != nil {
		panic(err)
	}
	return c
}

// newFixture makes symbols with a close for every XNYS session of
// 2025-06-02..2026-03-06 (the run's last closed session, a Friday).
// newStore returns a migrated SQLite store, closed when the test ends.
func newStore(t testing.TB) *store.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}

func newFixture(t testing.TB, symbols ...string) *fixture {
	t.Helper()
	tr := &truth{closes: map[string]map[market.Date]market.Decimal{}, splits: map[string]map[market.Date][2]int{}}
	for i, sym := range symbols {
		tr.closes[sym] = map[market.Date]market.Decimal{}
		for j, day := range xnys.Sessions(d("2025-06-02"), d("2026-03-06")) {
			tr.closes[sym][day] = market.DecimalFromInt(int64(100+10*i)) + market.DecimalFromInt(int64(j))/2 // half-dollar steps: halved by a split they keep two decimals
		}
	}
	st := newStore(t)
	var insts []market.Instrument
	for _, sym := range symbols {
		insts = append(insts, market.Instrument{Key: market.Key{Source: market.SourceYahoo, Symbol: sym}, Market: market.XNYS, Currency: "USD", Active: true})
	}
	if _, err := st.AddInstruments(context.Background(), insts); err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, st: st, tr: tr, srv: newYahooServer(t, tr), store: st,
		now: time.Date(2026, 3, 6, 22, 0, 0, 0, time.UTC),
		hx:  httpx.Config{Rate: rate.Inf, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, MaxAttempts: 5},
		cfg: Config{Host: "test", RestatementSessions: 5, WriteBatch: 40,
			InitialHistory: func(to market.Date) market.Date { return to.AddDays(-30) }}}
	return f
}

// collector builds a collector over a fresh transport, so its counters
// are the run's.
func (f *fixture) collector() (*Collector, *httpx.Pool) {
	f.t.Helper()
	pool := httpx.NewPool(f.hx, nil)
	now := func() time.Time { return f.now }
	src := yahoo.New(yahoo.Config{BaseURL: f.srv.URL, Now: now}, pool.Client())
	c, err := New(f.cfg, Deps{
		Sources:   map[string]Source{market.SourceYahoo: src},
		Store:     f.store,
		Calendars: func(_ context.Context, code string) (Calendar, error) { return calendar.For(code) },
		Log:       discard,
		Now:       now,
		Stats:     func() map[string]httpx.Stats { return map[string]httpx.Stats{market.SourceYahoo: pool.Total()} },
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return c, pool
}

// stored returns sym's stored closes in from..to.
func (f *fixture) stored(sym string, from, to market.Date) map[market.Date]market.Decimal {
	f.t.Helper()
	bars, err := f.st.Bars(context.Background(), market.Key{Source: market.SourceYahoo, Symbol: sym}, from, to)
	if err != nil {
		f.t.Fatal(err)
	}
	out := map[market.Date]market.Decimal{}
	for _, b := range bars {
		out[b.Date] = b.Close
	}
	return out
}

// want returns the truth's closes of sym in from..to.
func (f *fixture) want(sym string, from, to market.Date) map[market.Date]market.Decimal {
	f.tr.mu.Lock()
	defer f.tr.mu.Unlock()
	out := map[market.Date]market.Decimal{}
	for day, c := range f.tr.closes[sym] {
		if day >= from && day <= to {
			out[day] = c
		}
	}
	return out
}

func (f *fixture) watermark(sym string) market.Date {
	f.t.Helper()
	wms, err := f.st.Watermarks(context.Background(), market.SourceYahoo)
	if err != nil {
		f.t.Fatal(err)
	}
	return wms[market.Key{Source: market.SourceYahoo, Symbol: sym}]
}

func diff(got, want map[market.Date]market.Decimal) string {
	var out []string
	for day, w := range want {
		if g, ok := got[day]; !ok {
			out = append(out, fmt.Sprintf("%s missing (want %s)", day, w))
		} else if g != w {
			out = append(out, fmt.Sprintf("%s = %s, want %s", day, g, w))
		}
	}
	for day, g := range got {
		if _, ok := want[day]; !ok {
			out = append(out, fmt.Sprintf("%s = %s, not in truth", day, g))
		}
	}
	if len(out) > 5 {
		out = append(out[:5], fmt.Sprintf("… %d differences", len(out)))
	}
	return strings.Join(out, "; ")
}

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))
