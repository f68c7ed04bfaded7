package observe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/marketd/marketd/sources/httpx"
	"github.com/marketd/marketd/store"
)

type pinger struct{ err error }

func (p pinger) Ping(context.Context) error { return p.err }

type running bool

func (r running) Running() bool { return bool(r) }

func get(t *testing.T, h http.Handler, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec.Code, rec.Body.String()
}

func TestHealthAndReadiness(t *testing.T) {
	m := NewMetrics(nil)
	for _, c := range []struct {
		name    string
		db      error
		running bool
		code    int
		body    string
	}{
		{"ready", nil, true, http.StatusOK, "ok\n"},
		{"database down", errors.New("store: ping (mysql): connection refused"), true, http.StatusServiceUnavailable,
			"database: store: ping (mysql): connection refused\n"},
		{"scheduler stopped", nil, false, http.StatusServiceUnavailable, "scheduler: not running\n"},
		{"both", errors.New("down"), false, http.StatusServiceUnavailable, "database: down\nscheduler: not running\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := Handler(m, pinger{c.db}, running(c.running))
			if code, body := get(t, h, "/healthz"); code != http.StatusOK || body != "ok\n" {
				t.Errorf("/healthz = %d %q, want 200 ok", code, body)
			}
			if code, body := get(t, h, "/readyz"); code != c.code || body != c.body {
				t.Errorf("/readyz = %d %q, want %d %q", code, body, c.code, c.body)
			}
		})
	}
}

func TestMetrics(t *testing.T) {
	var busy atomic.Int32
	var flaky atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
		case "/missing":
			http.NotFound(w, r)
		case "/flaky": // one 503, then fine
			if flaky.Add(1) == 1 {
				w.WriteHeader(http.StatusServiceUnavailable)
			}
		case "/busy": // one 429, then fine
			if busy.Add(1) == 1 {
				w.WriteHeader(http.StatusTooManyRequests)
			}
		}
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	pool := httpx.NewPool(httpx.Config{MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}, http.DefaultTransport)
	client := pool.Client()
	for _, p := range []string{"/ok", "/missing", "/flaky", "/busy"} {
		resp, err := client.Get(srv.URL + p)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}

	m := NewMetrics(map[string]StatsSource{"yahoo": pool})
	m.ObserveRun(store.Run{Job: "collect-us", Status: store.RunOK, Started: time.Unix(1795000000, 0), Finished: time.Unix(1795000090, 0), Inserted: 500, Changed: 3, Unchanged: 20})
	m.ObserveRun(store.Run{Job: "collect-us", Status: store.RunFailed, Started: time.Unix(1795086400, 0), Finished: time.Unix(1795086405, 0)})
	m.ObserveRun(store.Run{Job: "collect-krx", Status: store.RunClosed, Started: time.Unix(1795000000, 0), Finished: time.Unix(1795000000, 0)})
	m.SetBehind("naver", 12)
	m.SetGaps("XKRX", 4)

	got := flatten(t, m)
	want := map[string]float64{
		`marketd_http_responses_total{host="H",source="yahoo",status="200"}`: 3,
		`marketd_http_responses_total{host="H",source="yahoo",status="404"}`: 1,
		`marketd_http_responses_total{host="H",source="yahoo",status="429"}`: 1,
		`marketd_http_responses_total{host="H",source="yahoo",status="503"}`: 1,
		`marketd_http_attempts_total{host="H",source="yahoo"}`:               6,
		`marketd_http_failures_total{host="H",source="yahoo"}`:               1,
		`marketd_http_throttled_total{host="H",source="yahoo"}`:              1,
		`marketd_http_retries_total{host="H",source="yahoo"}`:                2,
		`marketd_runs_total{job="collect-krx",status="closed"}`:              1,
		`marketd_runs_total{job="collect-us",status="failed"}`:               1,
		`marketd_runs_total{job="collect-us",status="ok"}`:                   1,
		`marketd_last_success_timestamp_seconds{job="collect-us"}`:           1795000000,
		`marketd_rows_total{job="collect-krx",kind="changed"}`:               0,
		`marketd_rows_total{job="collect-krx",kind="inserted"}`:              0,
		`marketd_rows_total{job="collect-krx",kind="unchanged"}`:             0,
		`marketd_rows_total{job="collect-us",kind="changed"}`:                3,
		`marketd_rows_total{job="collect-us",kind="inserted"}`:               500,
		`marketd_rows_total{job="collect-us",kind="unchanged"}`:              20,
		`marketd_instruments_behind{source="naver"}`:                         12,
		`marketd_open_gaps{market="XKRX"}`:                                   4,
	}
	for k, v := range want {
		k = strings.Replace(k, `host="H"`, fmt.Sprintf("host=%q", host), 1)
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
		}
	}
	for k := range got {
		if strings.HasPrefix(k, "marketd_runs_total") || strings.HasPrefix(k, "marketd_http_responses_total") {
			if _, ok := want[strings.Replace(k, fmt.Sprintf("host=%q", host), `host="H"`, 1)]; !ok {
				t.Errorf("unexpected series %s = %v", k, got[k])
			}
		}
	}

	// Served over HTTP, with the wait and the run durations.
	h := Handler(m, pinger{}, running(true))
	code, body := get(t, h, "/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics = %d", code)
	}
	for _, line := range []string{
		`marketd_run_duration_seconds_sum{job="collect-us",status="ok"} 90`,
		`marketd_run_duration_seconds_count{job="collect-us",status="failed"} 1`,
		`marketd_run_duration_seconds_bucket{job="collect-us",status="ok",le="60"} 0`,
		`marketd_run_duration_seconds_bucket{job="collect-us",status="ok",le="120"} 1`,
		`go_goroutines `,
	} {
		if !strings.Contains(body, line) {
			t.Errorf("/metrics lacks %q", line)
		}
	}
	waited := fmt.Sprintf(`marketd_http_wait_seconds_total{host=%q,source="yahoo"} `, host)
	i := strings.Index(body, waited)
	if i < 0 {
		t.Fatalf("/metrics lacks %s", waited)
	}
	if v := strings.Fields(body[i+len(waited):])[0]; v == "0" {
		t.Errorf("wait after a 429 = %s, want > 0", v)
	}
}

// flatten gathers m's counters and gauges as "name{label="v",…}" -> value,
// labels in name order.
func flatten(t *testing.T, m *Metrics) map[string]float64 {
	t.Helper()
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, f := range fams {
		for _, mt := range f.GetMetric() {
			var labels []string
			for _, l := range mt.GetLabel() {
				labels = append(labels, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
			}
			key := f.GetName() + "{" + strings.Join(labels, ",") + "}"
			switch {
			case mt.Counter != nil:
				out[key] = mt.GetCounter().GetValue()
			case mt.Gauge != nil:
				out[key] = mt.GetGauge().GetValue()
			}
		}
	}
	return out
}

func TestSetPools(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	old := httpx.NewPool(httpx.Config{}, http.DefaultTransport)
	m := NewMetrics(map[string]StatsSource{"naver": old})
	for range 2 {
		resp, err := old.Client().Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	key := fmt.Sprintf(`marketd_http_attempts_total{host=%q,source="naver"}`, host)
	if got := flatten(t, m)[key]; got != 2 {
		t.Fatalf("%s = %v, want 2", key, got)
	}
	m.SetPools(map[string]StatsSource{"naver": httpx.NewPool(httpx.Config{}, http.DefaultTransport)})
	if got, ok := flatten(t, m)[key]; ok {
		t.Fatalf("%s = %v after the pools were replaced, want absent until the new pool sends", key, got)
	}
}
