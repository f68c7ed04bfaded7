package naver

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/marketd/marketd/sources/httpx"
	"github.com/marketd/marketd/sources/market"
)

// The old daily page answers 410; no code path uses it, but the fetcher
// every endpoint goes through must say what a 410 means.
func TestGoneSaysDiscontinued(t *testing.T) {
	h := &serveBody{status: http.StatusGone, contentType: "text/html; charset=euc-kr", body: fixture(t, fixGone)}
	src, pool := newTestSource(t, h, kst(t, 2026, 9, 29, 16, 0, 0), 0)
	ctx := context.Background()
	calls := map[string]func() error{
		"sise_day via the fetcher": func() error {
			_, err := src.newFetcher(ctx).get("sise_day", "005930", src.cfg.FChartURL+"/item/sise_day.naver?code=005930&page=1", charsetEUCKR)
			return err
		},
		"Recent":  func() error { _, err := src.Recent(ctx, inst("005930"), 3); return err },
		"Fetch":   func() error { _, err := src.Fetch(ctx, inst("005930"), 20200101, 20201231); return err },
		"Latest":  func() error { _, err := src.Latest(ctx, []market.Instrument{inst("005930")}); return err },
		"Listing": func() error { _, err := src.Listing(ctx, "KOSPI"); return err },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			err := call()
			if !errors.Is(err, httpx.ErrGone) || !strings.Contains(err.Error(), "endpoint discontinued") {
				t.Fatalf("err = %v, want ErrGone saying the endpoint is discontinued", err)
			}
			var serr *httpx.StatusError
			if !errors.As(err, &serr) || serr.Code != http.StatusGone {
				t.Errorf("StatusError not reachable through colly: %v", err)
			}
			if httpx.IsTransient(err) {
				t.Errorf("410 is permanent")
			}
		})
	}
	if st := pool.Total(); st.Statuses[http.StatusGone] != int64(len(calls)) {
		t.Errorf("transport saw %v, want %d answers 410: every request must go through httpx", st.Statuses, len(calls))
	}
}

func TestStatusErrorsPassThrough(t *testing.T) {
	for _, tt := range []struct {
		status    int
		transient bool
	}{{http.StatusNotFound, false}, {http.StatusServiceUnavailable, true}} {
		h := &serveBody{status: tt.status, body: []byte("nope")}
		src, _ := newTestSource(t, h, kst(t, 2026, 9, 29, 16, 0, 0), 0)
		_, err := src.Recent(context.Background(), inst("005930"), 3)
		var serr *httpx.StatusError
		if !errors.As(err, &serr) || serr.Code != tt.status || httpx.IsTransient(err) != tt.transient {
			t.Errorf("status %d: err = %v", tt.status, err)
		}
		if !strings.Contains(err.Error(), "naver fchart 005930") {
			t.Errorf("error does not name the endpoint and code: %v", err)
		}
	}
}

func TestBrowserUserAgent(t *testing.T) {
	var ua atomic.Value
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ua.Store(r.UserAgent())
		w.Write(fixture(t, fixFChart))
	})
	src, _ := newTestSource(t, h, kst(t, 2026, 9, 29, 16, 0, 0), 0)
	if _, err := src.Recent(context.Background(), inst("005930"), 3); err != nil {
		t.Fatal(err)
	}
	if ua := ua.Load(); ua != httpx.DefaultUserAgent {
		t.Errorf("User-Agent %q: colly's own must never reach Naver", ua)
	}
}

// Cancelling the call's context aborts the request in flight.
func TestContextCancelsInFlight(t *testing.T) {
	arrived := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-r.Context().Done()
	})
	src, _ := newTestSource(t, h, kst(t, 2026, 9, 29, 16, 0, 0), 0)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-arrived; cancel() }()
	done := make(chan error, 1)
	go func() { _, err := src.Recent(ctx, inst("005930"), 3); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Recent did not return after its context was cancelled")
	}
}

func TestLatestStopsBetweenBatchesOnCancel(t *testing.T) {
	var n atomic.Int64
	ctx, cancel := context.WithCancel(context.Background())
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		cancel()
		w.Write([]byte(`{"datas":[]}`))
	})
	src, _ := newTestSource(t, h, kst(t, 2026, 9, 29, 16, 0, 0), 1)
	_, err := src.Latest(ctx, []market.Instrument{inst("000001"), inst("000002"), inst("000003")})
	if !errors.Is(err, context.Canceled) || n.Load() != 1 {
		t.Errorf("err = %v after %d requests, want context.Canceled after 1", err, n.Load())
	}
}

func TestInvalidInput(t *testing.T) {
	src, pool := newTestSource(t, http.NotFoundHandler(), kst(t, 2026, 9, 29, 16, 0, 0), 0)
	ctx := context.Background()
	yahoo := market.Instrument{Key: market.Key{Source: market.SourceYahoo, Symbol: "005930.KS"}}
	for name, tt := range map[string]struct {
		call func() error
		want string
	}{
		"short code":       {func() error { _, err := src.Recent(ctx, inst("5930"), 3); return err }, `"5930"`},
		"numeric-looking":  {func() error { _, err := src.Recent(ctx, inst("005930.KS"), 3); return err }, `"005930.KS"`},
		"lower-case":       {func() error { _, err := src.Recent(ctx, inst("0193t0"), 3); return err }, `"0193t0"`},
		"other source":     {func() error { _, err := src.Fetch(ctx, yahoo, 20200101, 20200102); return err }, "yahoo:005930.KS"},
		"zero count":       {func() error { _, err := src.Recent(ctx, inst("005930"), 0); return err }, "count 0"},
		"inverted window":  {func() error { _, err := src.Fetch(ctx, inst("005930"), 20200102, 20200101); return err }, "2020-01-02..2020-01-01"},
		"no window":        {func() error { _, err := src.Fetch(ctx, inst("005930"), 0, 20200101); return err }, "invalid window"},
		"bad batch member": {func() error { _, err := src.Latest(ctx, []market.Instrument{inst("005930"), inst("12")}); return err }, `"12"`},
		"unknown board":    {func() error { _, err := src.Listing(ctx, "NASDAQ"); return err }, `"NASDAQ"`},
	} {
		t.Run(name, func(t *testing.T) {
			err := tt.call()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one naming %s", err, tt.want)
			}
		})
	}
	if st := pool.Total(); st.Requests != 0 {
		t.Errorf("%d requests sent for invalid input", st.Requests)
	}
}

// What the collector reads from the source instead of its own settings:
// one polling request's worth of codes per batch call, and that splits
// come without events.
func TestTraits(t *testing.T) {
	for _, tt := range []struct{ batch, want int }{{0, DefaultPollingBatch}, {2, 2}, {80, 80}} {
		src := New(Config{PollingBatch: tt.batch}, nil)
		if got := src.BatchSize(); got != tt.want {
			t.Errorf("PollingBatch %d: BatchSize() = %d, want %d", tt.batch, got, tt.want)
		}
		if !src.SilentSplits() {
			t.Errorf("SilentSplits() = false: Naver sends no split events")
		}
	}
}
