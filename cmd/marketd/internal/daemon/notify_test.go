package daemon_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/marketd/marketd/cmd/marketd/internal/daemon"
	"github.com/marketd/marketd/store"
	"github.com/marketd/marketd/validate"
)

// pingServer records the heartbeat requests in the order they arrive.
type pingServer struct {
	*httptest.Server
	mu   sync.Mutex
	got  []string // "METHOD PATH?QUERY BODY"
	seen chan struct{}
}

// newPingServer records every ping, then answers it with reply once hold
// returns.
func newPingServer(t *testing.T, hold func(r *http.Request), reply int) *pingServer {
	p := &pingServer{seen: make(chan struct{}, 64)}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		p.mu.Lock()
		p.got = append(p.got, fmt.Sprintf("%s %s %s", r.Method, r.URL.RequestURI(), body))
		p.mu.Unlock()
		p.seen <- struct{}{}
		hold(r)
		w.WriteHeader(reply)
	}))
	t.Cleanup(p.Close)
	return p
}

// wait returns the first n pings, failing after 10s.
func (p *pingServer) wait(t *testing.T, n int) []string {
	t.Helper()
	for range n {
		select {
		case <-p.seen:
		case <-time.After(10 * time.Second):
			p.mu.Lock()
			defer p.mu.Unlock()
			t.Fatalf("only %d of %d pings arrived: %q", len(p.got), n, p.got)
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.got)
}

// pinged returns the pings whose path starts with prefix, in order.
func pinged(all []string, prefix string) []string {
	var out []string
	for _, p := range all {
		if strings.HasPrefix(p, "POST "+prefix) {
			out = append(out, p)
		}
	}
	return out
}

// runDaemon starts a daemon on a fresh SQLite store whose validation fails
// with validateErr (mod adjusts its Deps), and returns the store, the log and a stop function.
func runDaemon(t *testing.T, yaml string, validateErr error, pingTimeout time.Duration, mod ...func(*daemon.Deps)) (*store.Store, *syncBuffer, func()) {
	t.Helper()
	st := openStore(t)
	logs := &syncBuffer{}
	deps := daemon.Deps{
		Store: st, Build: generations(st, func(context.Context) (*validate.Report, error) { return nil, validateErr }),
		Log:  slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Host: "test-host", Version: "test", PingTimeout: pingTimeout,
	}
	for _, m := range mod {
		m(&deps)
	}
	d, err := daemon.New(context.Background(), loadConfig(t, yaml), deps)
	if err != nil {
		t.Fatal(err)
	}
	stopRun := start(t, d)
	var once sync.Once
	stop := func() {
		once.Do(func() {
			if err := stopRun(); err != nil {
				t.Errorf("Run: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return st, logs, stop
}

// finishedRun waits for the first finished run of job.
func finishedRun(t *testing.T, st *store.Store, job string) store.Run {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		runs, err := st.Runs(context.Background(), job, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(runs) > 0 && runs[0].Status != store.RunRunning {
			return runs[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no finished run after 10s: %+v", job, runs)
		}
	}
}

// Each scheduled run pings its check: /start, then the base URL when it
// ends ok or /fail with the reason. A ping endpoint that hangs does not
// hold the job: both runs finish while the first /start is still
// unanswered (with an hour's ping timeout, a synchronous ping would hang
// this test).
func TestHeartbeatPingsInOrder(t *testing.T) {
	release := make(chan struct{})
	srv := newPingServer(t, func(r *http.Request) {
		if r.URL.Path == "/tok-collect/start" {
			<-release
		}
	}, http.StatusOK)
	yaml := fmt.Sprintf(`notify:
  ping_url: %[1]s/tok-global?k=tok-query
schedule:
  shutdown_timeout: 2s
  jobs:
    - {name: collect-all, cron: "0 30 17 * * *", tz: UTC, source: yahoo, ping_url: %[1]s/tok-collect/}
    - {name: validate, cron: "0 0 7 * * *", tz: Asia/Seoul}
http:
  listen: ""
`, srv.URL)
	st, _, stop := runDaemon(t, yaml, errors.New("validation exploded\nwith a second line"), time.Hour)

	// Catch-up runs both jobs at start.
	if r := finishedRun(t, st, "collect-all"); r.Status != store.RunOK {
		t.Errorf("collect-all: %s %q, want ok", r.Status, r.Message)
	}
	if r := finishedRun(t, st, "validate"); r.Status != store.RunFailed {
		t.Errorf("validate: %s %q, want failed", r.Status, r.Message)
	}
	close(release)
	all := srv.wait(t, 4)
	if got, want := pinged(all, "/tok-collect"), []string{
		"POST /tok-collect/start ",
		"POST /tok-collect/ ok: no active instruments for source yahoo",
	}; !slices.Equal(got, want) {
		t.Errorf("collect-all pinged\n%q\nwant\n%q", got, want)
	}
	if got, want := pinged(all, "/tok-global"), []string{
		"POST /tok-global/start?k=tok-query ",
		"POST /tok-global/fail?k=tok-query failed: validation exploded with a second line",
	}; !slices.Equal(got, want) {
		t.Errorf("validate pinged\n%q\nwant\n%q", got, want)
	}
	stop()
}

// A ping that times out is given up after the ping timeout, the next one
// still goes out after it, and no log line carries the URL's token.
func TestHeartbeatTimeoutAndTokenNeverLogged(t *testing.T) {
	srv := newPingServer(t, func(r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/start") {
			<-r.Context().Done() // never answers: the client gives up
		}
	}, http.StatusInternalServerError)
	yaml := fmt.Sprintf(`notify:
  ping_url: %s/tok-secret-1234
schedule:
  shutdown_timeout: 2s
  jobs:
    - {name: collect-all, cron: "0 30 17 * * *", tz: UTC, source: yahoo}
http:
  listen: ""
`, srv.URL)
	st, logs, stop := runDaemon(t, yaml, nil, 200*time.Millisecond)
	if r := finishedRun(t, st, "collect-all"); r.Status != store.RunOK {
		t.Errorf("collect-all: %s %q, want ok", r.Status, r.Message)
	}
	got := srv.wait(t, 2)
	want := []string{"POST /tok-secret-1234/start ", "POST /tok-secret-1234 ok: no active instruments for source yahoo"}
	if !slices.Equal(got, want) {
		t.Errorf("pinged\n%q\nwant\n%q", got, want)
	}
	stop()

	out := logs.String()
	if strings.Contains(out, "tok-secret") {
		t.Errorf("the ping URL's token is in the log:\n%s", out)
	}
	for _, want := range []string{
		fmt.Sprintf(`"msg":"heartbeat ping failed","job":"collect-all","ping":"start","err":"Post \"%s/xxxxx/start\": context deadline exceeded"`, srv.URL),
		`"msg":"heartbeat ping failed","job":"collect-all","ping":"success","err":"HTTP 500 Internal Server Error"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s\n%s", want, out)
		}
	}
}
