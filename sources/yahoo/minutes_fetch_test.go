package yahoo

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/marketd/marketd/sources/httpx"
	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/sourcetest"
)

// simNow is a Wednesday before New York's open; 2026-11-01 ended DST.
var simNow = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// recorder passes requests to the simulated market and keeps their queries.
type recorder struct {
	next    http.Handler
	mu      sync.Mutex
	queries []url.Values
	paths   []string
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	r.queries = append(r.queries, req.URL.Query())
	r.paths = append(r.paths, req.URL.Path)
	r.mu.Unlock()
	r.next.ServeHTTP(w, req)
}

// simSource returns a Source on a simulated market at *now, through a real
// httpx pool, and the recorder of its requests.
func simSource(t *testing.T, now *time.Time, cfg httpx.Config, symbols ...sourcetest.Symbol) (*Source, *sourcetest.Market, *recorder) {
	t.Helper()
	m := sourcetest.New(sourcetest.Options{Now: func() time.Time { return *now }, Symbols: symbols})
	rec := &recorder{next: m}
	srv := httptest.NewServer(rec)
	t.Cleanup(func() { m.Close(); srv.Close() })
	return New(Config{BaseURL: srv.URL, Now: func() time.Time { return *now }}, httpx.NewPool(cfg, nil).Client()), m, rec
}

func yahooInst(symbol, mic string) market.Instrument {
	return market.Instrument{Key: market.Key{Source: market.SourceYahoo, Symbol: symbol}, Market: mic}
}

func diffMinutes(t *testing.T, what string, got, want []market.MinuteBar) {
	t.Helper()
	if err := sourcetest.DiffMinutes(got, want); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// TestMinutesFromSimulatedMarket: every interval, pre/post, a DST change,
// KRX's late opening and an illiquid symbol read exactly as the simulated
// market's truth; a long 1m window goes in requests of seven days.
func TestMinutesFromSimulatedMarket(t *testing.T) {
	now := simNow
	src, m, rec := simSource(t, &now, httpx.Config{}, sourcetest.Symbol{Symbol: "AAPL"}, sourcetest.Symbol{Symbol: "THIN", Illiquid: true},
		sourcetest.Symbol{Symbol: "005930.KS"})
	utc := func(mo time.Month, d, h int) time.Time { return time.Date(2026, mo, d, h, 0, 0, 0, time.UTC) }
	for _, tt := range []struct {
		name     string
		inst     market.Instrument
		iv       market.Interval
		prePost  bool
		from, to time.Time
		days     [2]market.Date
		requests int
	}{
		{"EDT", yahooInst("AAPL", market.XNYS), market.Interval1m, false, utc(10, 30, 0), utc(10, 31, 0), [2]market.Date{20261030, 20261030}, 1},
		{"EST after the change", yahooInst("AAPL", market.XNYS), market.Interval1m, false, utc(11, 2, 0), utc(11, 3, 0), [2]market.Date{20261102, 20261102}, 1},
		{"5m", yahooInst("AAPL", market.XNYS), market.Interval5m, false, utc(11, 2, 0), utc(11, 3, 0), [2]market.Date{20261102, 20261102}, 1},
		{"60m", yahooInst("AAPL", market.XNYS), market.Interval60m, false, utc(11, 2, 0), utc(11, 3, 0), [2]market.Date{20261102, 20261102}, 1},
		// 4:00 to 20:00 New York is 09:00 to 01:00 UTC the next day.
		{"pre and post", yahooInst("AAPL", market.XNYS), market.Interval1m, true, utc(11, 2, 9), utc(11, 3, 9), [2]market.Date{20261102, 20261102}, 1},
		{"KRX late opening", yahooInst("005930.KS", market.XKRX), market.Interval60m, false, utc(11, 18, 12), utc(11, 19, 12), [2]market.Date{20261119, 20261119}, 1},
		{"illiquid", yahooInst("THIN", market.XNYS), market.Interval1m, false, utc(11, 2, 0), utc(11, 3, 0), [2]market.Date{20261102, 20261102}, 1},
		{"ten days of 1m", yahooInst("AAPL", market.XNYS), market.Interval1m, false, utc(11, 10, 0), utc(11, 20, 0), [2]market.Date{20261110, 20261119}, 2},
	} {
		rec.queries = nil
		got, err := src.Minutes(context.Background(), tt.inst, market.MinuteRequest{Interval: tt.iv, From: tt.from, To: tt.to, PrePost: tt.prePost})
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		want := m.MinuteTruthBetween(tt.inst.Key, tt.iv, tt.days[0], tt.days[1])
		if tt.prePost {
			want = m.MinuteTruthPrePost(tt.inst.Key, tt.iv, tt.days[0])
		}
		diffMinutes(t, tt.name, got, want)
		if len(rec.queries) != tt.requests {
			t.Fatalf("%s: %d requests, want %d", tt.name, len(rec.queries), tt.requests)
		}
		q := rec.queries[0]
		wantQ := url.Values{"period1": {fmt.Sprint(tt.from.Unix())}, "period2": {fmt.Sprint(min(tt.to.Unix(), tt.from.Add(7*day).Unix()))},
			"interval": {tt.iv.String()}, "includePrePost": {fmt.Sprint(tt.prePost)}}
		if fmt.Sprint(q) != fmt.Sprint(wantQ) {
			t.Errorf("%s: query %v, want %v", tt.name, q, wantQ)
		}
	}
}

// TestMinutesInProgress: the minute in progress is left out.
func TestMinutesInProgress(t *testing.T) {
	now := time.Date(2026, 11, 2, 15, 2, 30, 0, time.UTC) // 10:02:30 EST
	src, m, _ := simSource(t, &now, httpx.Config{})
	got, err := src.Minutes(context.Background(), aapl, market.MinuteRequest{Interval: market.Interval1m, From: now.Add(-2 * time.Hour), To: now.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	diffMinutes(t, "10:02:30", got, m.MinuteTruth(aapl.Key, market.Interval1m, 20261102))
	if last := got[len(got)-1].Start; !last.Equal(time.Date(2026, 11, 2, 15, 1, 0, 0, time.UTC)) {
		t.Errorf("last bar starts %v, want 10:01 EST", last)
	}
}

// TestMinutesReach: a window older than Yahoo serves fails before any
// request, naming the symbol, the interval and the reach; a window that
// starts beyond it is cut to it.
func TestMinutesReach(t *testing.T) {
	now := simNow
	src, _, rec := simSource(t, &now, httpx.Config{})
	_, err := src.Minutes(context.Background(), aapl, market.MinuteRequest{Interval: market.Interval1m, From: now.Add(-40 * day), To: now.Add(-31 * day)})
	want := "yahoo AAPL: 1m bars 2026-10-16T12:00:00Z..2026-10-25T12:00:00Z: beyond what the source serves at this interval: Yahoo serves 1m bars of the last 30 days only"
	if !errors.Is(err, market.ErrBeyondReach) || err.Error() != want || len(rec.queries) != 0 {
		t.Fatalf("got %v after %d requests, want %q before any", err, len(rec.queries), want)
	}
	got, err := src.Minutes(context.Background(), aapl, market.MinuteRequest{Interval: market.Interval1m, From: now.Add(-40 * day), To: now.Add(-29 * day)})
	if err != nil {
		t.Fatal(err)
	}
	oldest := now.Add(-30*day + time.Minute)
	if p1 := rec.queries[0].Get("period1"); p1 != fmt.Sprint(oldest.Unix()) || len(got) == 0 || got[0].Start.Before(oldest) {
		t.Errorf("period1 %s, first bar %v; want both from %v", p1, got[0].Start, oldest)
	}
	if src.MinuteReach(market.Interval1m) != 30*day || src.MinuteReach(market.Interval5m) != 60*day ||
		src.MinuteReach(market.Interval60m) != 730*day || src.MinuteReach(market.Interval1d) != 0 {
		t.Error("MinuteReach does not state Yahoo's limits")
	}
}

// TestMinutes422: Yahoo's own answer about the range (recorded text from
// public reports) is an ErrBeyondReach naming symbol and window.
func TestMinutes422(t *testing.T) {
	body := []byte(`{"chart":{"result":null,"error":{"code":"Unprocessable Entity","description":"1m data not available for startTime=1664596800 and endTime=1664683200. The requested range must be within the last 30 days."}}}`)
	src, _, _ := newSource(t, http.StatusUnprocessableEntity, body, simNow)
	from := simNow.Add(-2 * day)
	_, err := src.Minutes(context.Background(), aapl, market.MinuteRequest{Interval: market.Interval1m, From: from, To: from.Add(day)})
	want := "yahoo AAPL: 1m bars 2026-11-23T12:00:00Z..2026-11-24T12:00:00Z: beyond what the source serves at this interval: " +
		"1m data not available for startTime=1664596800 and endTime=1664683200. The requested range must be within the last 30 days."
	if !errors.Is(err, market.ErrBeyondReach) || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}

// TestMinutesFailures: a bad answer fails that symbol's call alone, with
// an error naming it; the body bound applies; bad requests are refused.
func TestMinutesFailures(t *testing.T) {
	now := simNow
	m := sourcetest.New(sourcetest.Options{Now: func() time.Time { return now }})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/MSFT") {
			w.Write([]byte(`{"chart":{"result":[{"meta":{"symbol":"MSFT","dataGranularity":"1m"},"timestamp":[1790000000],"indicators":{"quote":[{"close":[]}]}}]}}`))
			return
		}
		m.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	req := market.MinuteRequest{Interval: market.Interval1m, From: now.Add(-2 * day), To: now}
	src := New(Config{BaseURL: srv.URL, Now: func() time.Time { return now }}, httpx.NewPool(httpx.Config{}, nil).Client())
	if _, err := src.Minutes(context.Background(), yahooInst("MSFT", market.XNYS), req); !errors.Is(err, errMalformed) || !strings.HasPrefix(err.Error(), "yahoo MSFT: ") {
		t.Errorf("malformed MSFT: %v", err)
	}
	if got, err := src.Minutes(context.Background(), aapl, req); err != nil || sourcetest.DiffMinutes(got, m.MinuteTruthBetween(aapl.Key, market.Interval1m, 20261123, 20261124)) != nil {
		t.Errorf("AAPL after MSFT failed: %d bars, %v", len(got), err)
	}
	small := New(Config{BaseURL: srv.URL, Now: func() time.Time { return now }}, httpx.NewPool(httpx.Config{MaxBody: 4 << 10}, nil).Client())
	if _, err := small.Minutes(context.Background(), aapl, req); !errors.Is(err, httpx.ErrBodyTooLarge) {
		t.Errorf("a 1m answer over a 4 KiB bound: %v", err)
	}
	for _, tt := range []struct {
		req  market.MinuteRequest
		want string
	}{
		{market.MinuteRequest{Interval: market.Interval1d, From: req.From, To: req.To}, "yahoo AAPL: interval 1d is not intraday: want 1m, 5m or 60m"},
		{market.MinuteRequest{Interval: market.Interval5m, From: req.To, To: req.From}, "yahoo AAPL: invalid 5m window 2026-11-25T12:00:00Z..2026-11-23T12:00:00Z"},
	} {
		if _, err := src.Minutes(context.Background(), aapl, tt.req); err == nil || err.Error() != tt.want {
			t.Errorf("got %v, want %q", err, tt.want)
		}
	}
	if _, err := src.Minutes(context.Background(), yahooInst("ZZZZZZZZZZZZ", market.XNYS), req); !errors.Is(err, market.ErrNotFound) {
		t.Errorf("unknown symbol: %v", err)
	}
}
