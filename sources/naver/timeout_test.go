package naver

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/marketd/marketd/sources/httpx"
)

// sourceWith returns a Source on h whose transport has hx.
func sourceWith(t *testing.T, h http.Handler, hx httpx.Config) *Source {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return New(Config{FChartURL: srv.URL, APIURL: srv.URL, PollingURL: srv.URL, MobileURL: srv.URL,
		Now: kst(t, 2026, 9, 29, 19, 34, 0)}, httpx.NewPool(hx, nil).Client())
}

// Waiting for a rate-limit token is bounded by the caller's context only:
// sources.naver.timeout is one attempt's. colly's own 10 s client timeout
// used to cover the wait, so at 4/m the second request failed at once
// ("would exceed context deadline").
func TestRateLimitWaitIsNotBoundedByTimeout(t *testing.T) {
	h := &serveBody{contentType: "text/xml", body: fixture(t, fixFChart)}
	src := sourceWith(t, h, httpx.Config{Rate: rate.Every(15 * time.Second), Burst: 1, Timeout: time.Second})
	if _, err := src.Recent(context.Background(), inst("005930"), 3); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := src.Recent(ctx, inst("005930"), 3)
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("second request returned before its token (15 s away): %v; want it to wait", err)
	case <-time.After(500 * time.Millisecond):
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("after cancelling the run: %v, want context.Canceled", err)
	}
}

// A 429 cool-down longer than the attempt timeout is waited out.
func TestCooldownIsNotBoundedByTimeout(t *testing.T) {
	ok := &serveBody{contentType: "text/xml", body: fixture(t, fixFChart)}
	var calls atomic.Int32
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		ok.ServeHTTP(w, r)
	})
	src := sourceWith(t, h, httpx.Config{Timeout: 200 * time.Millisecond})
	got, err := src.Recent(context.Background(), inst("005930"), 3)
	if err != nil {
		t.Fatalf("Recent after a 429 with Retry-After: 1 and a 200 ms attempt timeout: %v", err)
	}
	if len(got.Bars) != 3 || calls.Load() != 2 {
		t.Errorf("%d bars after %d requests, want 3 after 2", len(got.Bars), calls.Load())
	}
}
