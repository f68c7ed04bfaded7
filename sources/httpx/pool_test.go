package httpx

import (
	"context"
	"errors"
	"net/url"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

func TestPoolLimitsEachHostSeparately(t *testing.T) {
	recA, srvA := serve(t)
	recB, srvB := serve(t)
	// One request per host per hour: a second request to the same host
	// cannot get a token, while the other host still has its own.
	p := NewPool(fast(Config{Rate: rate.Every(time.Hour), Burst: 1}), nil)
	c := p.Client()

	for _, u := range []string{srvA.URL, srvB.URL} {
		if _, err := get(context.Background(), c, u); err != nil {
			t.Fatalf("first request to %s: %v", u, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := get(ctx, c, srvA.URL); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("second request to A: err = %v, want the limiter to refuse it", err)
	}
	if recA.count() != 1 || recB.count() != 1 {
		t.Errorf("hosts saw %d and %d requests, want 1 each", recA.count(), recB.count())
	}

	hostA, hostB := mustHost(t, srvA.URL), mustHost(t, srvB.URL)
	stats := p.Stats()
	if len(stats) != 2 || stats[hostA].Requests != 1 || stats[hostB].Requests != 1 || stats[hostA].Failures != 1 {
		t.Errorf("Stats = %+v", stats)
	}
	if p.Host(hostA) != p.Host(hostA) || p.Host(hostA) == p.Host(hostB) {
		t.Error("Host does not return one Transport per host")
	}
	total := p.Total()
	if total.Requests != 2 || total.Failures != 1 || total.Statuses[200] != 2 {
		t.Errorf("Total = %+v", total)
	}
}

func TestPoolSharesOneHostAmongClients(t *testing.T) {
	rec, srv := serve(t)
	p := NewPool(fast(Config{Rate: rate.Every(time.Hour), Burst: 1}), nil)
	if _, err := get(context.Background(), p.Client(), srv.URL); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// A second client from the same pool spends the same host's budget.
	if _, err := get(ctx, p.Client(), srv.URL); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want the shared limiter to refuse it", err)
	}
	if rec.count() != 1 {
		t.Errorf("server saw %d requests, want 1", rec.count())
	}
}

func mustHost(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}
