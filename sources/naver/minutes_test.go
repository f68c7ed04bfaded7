package naver

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/marketd/marketd/sources/httpx"
	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/sourcetest"
)

// simulated passes requests to the simulated market, or to override when
// it answers, and keeps the URLs asked for.
type simulated struct {
	m        *sourcetest.Market
	override func(w http.ResponseWriter, r *http.Request) bool
	mu       sync.Mutex
	urls     []*url.URL
}

func (s *simulated) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.urls = append(s.urls, r.URL)
	s.mu.Unlock()
	if s.override != nil && s.override(w, r) {
		return
	}
	s.m.ServeHTTP(w, r)
}

func (s *simulated) asked() []*url.URL {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.urls)
}

// simSource returns a Source on a simulated market at *now.
func simSource(t *testing.T, now *time.Time, cfg httpx.Config, batch int, symbols ...sourcetest.Symbol) (*Source, *simulated) {
	t.Helper()
	sim := &simulated{m: sourcetest.New(sourcetest.Options{Now: func() time.Time { return *now }, Symbols: symbols})}
	srv := httptest.NewServer(sim)
	t.Cleanup(func() { sim.m.Close(); srv.Close() })
	src := New(Config{FChartURL: srv.URL, APIURL: srv.URL, PollingURL: srv.URL, MobileURL: srv.URL, PollingBatch: batch,
		Now: func() time.Time { return *now }}, httpx.NewPool(cfg, nil).Client())
	return src, sim
}

func sameMinutes(t *testing.T, what string, got, want []market.MinuteBar) {
	t.Helper()
	if err := sourcetest.DiffMinutes(got, want); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// TestMinutesFromSimulatedMarket: a whole session, KRX's late opening on
// the college entrance exam's day (10:00-16:30), an illiquid code and a
// session in progress read exactly as the simulated market's truth, every
// minute with its volume, in one request whose count covers the session
// minutes since the window's start and ten more.
func TestMinutesFromSimulatedMarket(t *testing.T) {
	loc := seoul(t)
	now := time.Date(2026, 11, 19, 18, 0, 0, 0, loc)
	src, sim := simSource(t, &now, httpx.Config{}, 0, sourcetest.Symbol{Symbol: "005930"}, sourcetest.Symbol{Symbol: "000660", Illiquid: true})
	day := func(d int) time.Time { return time.Date(2026, 11, d, 0, 0, 0, 0, loc) }
	for _, tt := range []struct {
		name     string
		code     string
		from, to time.Time
		days     [2]market.Date
		count    string
	}{
		{"a whole session", "005930", day(18), day(19), [2]market.Date{20261118, 20261118}, "790"},
		{"late opening", "005930", day(19), day(20), [2]market.Date{20261119, 20261119}, "400"},
		{"two sessions", "005930", day(18), day(20), [2]market.Date{20261118, 20261119}, "790"},
		{"illiquid", "000660", day(18), day(19), [2]market.Date{20261118, 20261118}, "790"},
	} {
		n := len(sim.asked())
		got, err := src.Minutes(context.Background(), inst(tt.code), market.MinuteRequest{Interval: market.Interval1m, From: tt.from, To: tt.to})
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		sameMinutes(t, tt.name, got, sim.m.MinuteTruthBetween(key(tt.code), market.Interval1m, tt.days[0], tt.days[1]))
		asked := sim.asked()[n:]
		if len(asked) != 1 || asked[0].Query().Get("count") != tt.count || asked[0].Query().Get("timeframe") != "minute" {
			t.Errorf("%s: asked %v, want one minute request for %s", tt.name, asked, tt.count)
		}
	}

	now = time.Date(2026, 11, 18, 10, 5, 30, 0, loc)
	got, err := src.Minutes(context.Background(), inst("005930"), market.MinuteRequest{Interval: market.Interval1m, From: day(18), To: day(19)})
	if err != nil {
		t.Fatal(err)
	}
	sameMinutes(t, "in progress", got, sim.m.MinuteTruth(key("005930"), market.Interval1m, 20261118))
	if len(got) != 65 || !got[64].Start.Equal(time.Date(2026, 11, 18, 10, 4, 0, 0, loc)) {
		t.Errorf("in progress: %d bars ending %v, want 65 ending 10:04", len(got), got[len(got)-1].Start)
	}
}

// TestMinutesReach: the archive's reach cuts a window's start; a window
// wholly beyond it fails before any request.
func TestMinutesReach(t *testing.T) {
	loc := seoul(t)
	now := time.Date(2026, 11, 19, 18, 0, 0, 0, loc)
	src, sim := simSource(t, &now, httpx.Config{}, 0)
	got, err := src.Minutes(context.Background(), inst("005930"), market.MinuteRequest{Interval: market.Interval1m, From: now.Add(-10 * 24 * time.Hour), To: now})
	if err != nil {
		t.Fatal(err)
	}
	oldest := now.Add(-MinuteArchiveReach)
	want := slices.DeleteFunc(sim.m.MinuteTruthBetween(key("005930"), market.Interval1m, 20261112, 20261119), func(b market.MinuteBar) bool { return b.Start.Before(oldest) })
	// The archive's oldest minute has no predecessor to take its
	// cumulative volume from.
	want[0].Volume = sql.Null[int64]{}
	sameMinutes(t, "ten days asked, seven served", got, want)
	if !got[0].Start.Equal(time.Date(2026, 11, 13, 9, 0, 0, 0, loc)) {
		t.Errorf("first bar %v, want 2026-11-13 09:00, the first after %v", got[0].Start, oldest)
	}
	n := len(sim.asked())
	_, err = src.Minutes(context.Background(), inst("005930"), market.MinuteRequest{Interval: market.Interval1m, From: now.Add(-9 * 24 * time.Hour), To: oldest})
	wantErr := "naver 005930: 1m bars 2026-11-10T09:00:00Z..2026-11-12T09:00:00Z: beyond what the source serves at this interval: the minute archive holds about the last 7 days"
	if !errors.Is(err, market.ErrBeyondReach) || err.Error() != wantErr || len(sim.asked()) != n {
		t.Errorf("got %v, want %q before any request", err, wantErr)
	}
	if _, err := src.Minutes(context.Background(), inst("005930"), market.MinuteRequest{Interval: market.Interval5m, From: oldest, To: now}); err == nil ||
		err.Error() != "naver 005930: interval 5m: the chart feed's minute archive serves 1m only" {
		t.Errorf("5m: %v", err)
	}
	if src.MinuteReach(market.Interval1m) != 7*24*time.Hour || src.MinuteReach(market.Interval5m) != 0 || src.MinuteReach(market.Interval60m) != 0 {
		t.Error("MinuteReach: want seven days of 1m and nothing else")
	}
}

// TestMinutesSessionFilter: on the constructed archive body, the regular
// session is kept and the 15:30 print only with PrePost; the answer's
// first minute has no predecessor, so no volume.
func TestMinutesSessionFilter(t *testing.T) {
	h := &serveBody{contentType: "text/xml;charset=EUC-KR", body: fixture(t, fixMinutes)}
	src, _ := newTestSource(t, h, kst(t, 2026, 9, 29, 9, 10, 0), 0)
	loc := seoul(t)
	from, to := time.Date(2026, 9, 28, 15, 0, 0, 0, loc), time.Date(2026, 9, 29, 10, 0, 0, 0, loc)
	for _, tt := range []struct {
		prePost bool
		want    []string
	}{
		{false, []string{"09-28 15:18", "09-28 15:19", "09-29 09:00", "09-29 09:01", "09-29 09:03", "09-29 09:04", "09-29 09:05", "09-29 09:06"}},
		{true, []string{"09-28 15:18", "09-28 15:19", "09-28 15:30", "09-29 09:00", "09-29 09:01", "09-29 09:03", "09-29 09:04", "09-29 09:05", "09-29 09:06"}},
	} {
		got, err := src.Minutes(context.Background(), inst("005930"), market.MinuteRequest{Interval: market.Interval1m, From: from, To: to, PrePost: tt.prePost})
		if err != nil {
			t.Fatal(err)
		}
		var starts []string
		for _, b := range got {
			starts = append(starts, b.Start.In(loc).Format("01-02 15:04"))
		}
		if !slices.Equal(starts, tt.want) || got[0].Volume.Valid || got[1].Volume != market.Some[int64](21161090-21120410) {
			t.Errorf("prePost %v: %v (volumes %v, %v), want %v", tt.prePost, starts, got[0].Volume, got[1].Volume, tt.want)
		}
	}
	if q := h.requests()[0].Query(); q.Get("count") != "50" || q.Get("symbol") != "005930" || q.Get("requestType") != "0" {
		t.Errorf("query %v: want count 50 (09-28 15:00-15:30 and 09:00-09:10, plus 10)", q)
	}
}

// TestMinutesFailures: a malformed item fails that code's call alone,
// naming it; the body bound applies.
func TestMinutesFailures(t *testing.T) {
	now := time.Date(2026, 11, 19, 18, 0, 0, 0, seoul(t))
	src, sim := simSource(t, &now, httpx.Config{}, 0)
	bad := strings.Replace(string(fromEUCKR(t, fixture(t, fixMinutes))), "202609290903|", "2026092909xx|", 1)
	sim.override = func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Query().Get("symbol") != "000001" {
			return false
		}
		w.Write([]byte(strings.ReplaceAll(bad, `symbol="005930"`, `symbol="000001"`)))
		return true
	}
	req := market.MinuteRequest{Interval: market.Interval1m, From: now.Add(-24 * time.Hour), To: now}
	_, err := src.Minutes(context.Background(), inst("000001"), req)
	var perr *ParseError
	if !errors.As(err, &perr) || perr.Symbol != "000001" || !strings.Contains(err.Error(), `item 6 "2026092909xx|266500|267000|266500|267000|601055"`) {
		t.Errorf("malformed 000001: %v", err)
	}
	if got, err := src.Minutes(context.Background(), inst("005930"), req); err != nil || len(got) != 390 {
		t.Errorf("005930 after 000001 failed: %d bars, %v", len(got), err)
	}
	small, _ := simSource(t, &now, httpx.Config{MaxBody: 4 << 10}, 0)
	if _, err := small.Minutes(context.Background(), inst("005930"), req); !errors.Is(err, httpx.ErrBodyTooLarge) {
		t.Errorf("a day of minutes over a 4 KiB bound: %v", err)
	}
}
