package httpx

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"golang.org/x/time/rate"

	"github.com/marketd/marketd/sources/sourcetest"
)

// fast is a Config whose backoffs keep retry tests in the milliseconds.
func fast(cfg Config) Config {
	if cfg.MinBackoff == 0 {
		cfg.MinBackoff = time.Millisecond
	}
	if cfg.MaxBackoff == 0 {
		cfg.MaxBackoff = 5 * time.Millisecond
	}
	if cfg.MaxAttempts == 0 {
		cfg.MaxAttempts = 4
	}
	return cfg
}

// recorder is an httptest handler that records every request it receives
// and answers with the step for that request's sequence number.
type recorder struct {
	now   func() time.Time // stamps each hit; time.Now when nil
	mu    sync.Mutex
	hits  []hit
	steps []step // the i-th request gets steps[i]; later ones get the last
}

type hit struct {
	at     time.Time
	header http.Header
	uri    string
	remote string // the client's address, host:port
}

type step struct {
	code       int
	body       string
	retryAfter string
	truncate   bool // announce a longer Content-Length, then close the connection
	reset      bool // close the connection without answering
	delay      time.Duration
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := time.Now
	if rec.now != nil {
		now = rec.now
	}
	rec.mu.Lock()
	n := len(rec.hits)
	rec.hits = append(rec.hits, hit{at: now(), header: r.Header.Clone(), uri: r.RequestURI, remote: r.RemoteAddr})
	s := step{code: http.StatusOK, body: "ok"}
	if len(rec.steps) > 0 {
		s = rec.steps[min(n, len(rec.steps)-1)]
	}
	rec.mu.Unlock()

	if s.delay > 0 {
		select {
		case <-time.After(s.delay):
		case <-r.Context().Done():
			return
		}
	}
	if s.truncate || s.reset {
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			panic(err)
		}
		defer conn.Close()
		if s.truncate {
			fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s",
				len(s.body)+100, s.body)
			buf.Flush()
		}
		return
	}
	if s.retryAfter != "" {
		w.Header().Set("Retry-After", s.retryAfter)
	}
	w.WriteHeader(s.code)
	io.WriteString(w, s.body)
}

func (rec *recorder) count() int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return len(rec.hits)
}

func (rec *recorder) snapshot() []hit {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]hit(nil), rec.hits...)
}

func serve(t *testing.T, steps ...step) (*recorder, *httptest.Server) {
	t.Helper()
	rec := &recorder{steps: steps}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	return rec, srv
}

func get(ctx context.Context, c *http.Client, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

func TestBrowserHeaders(t *testing.T) {
	tests := []struct {
		name          string
		cfg           Config
		reqHeader     http.Header
		wantUA        string
		wantAccept    string
		wantAcceptLng string
	}{
		{"defaults", Config{}, nil, DefaultUserAgent, "*/*", "en-US,en;q=0.9,ko;q=0.8"},
		{"configured agent", Config{UserAgent: "Mozilla/5.0 test"}, nil, "Mozilla/5.0 test", "*/*", "en-US,en;q=0.9,ko;q=0.8"},
		{"a caller's Go agent is replaced", Config{},
			http.Header{"User-Agent": {"Go-http-client/1.1"}}, DefaultUserAgent, "*/*", "en-US,en;q=0.9,ko;q=0.8"},
		{"a caller's Accept is kept", Config{},
			http.Header{"Accept": {"application/json"}, "Accept-Language": {"ko"}}, DefaultUserAgent, "application/json", "ko"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, srv := serve(t)
			req, _ := http.NewRequest(http.MethodGet, srv.URL+"/x", nil)
			for k, v := range tt.reqHeader {
				req.Header[k] = v
			}
			resp, err := New(fast(tt.cfg), nil).Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			h := rec.snapshot()[0].header
			if got := h.Get("User-Agent"); got != tt.wantUA {
				t.Errorf("User-Agent = %q, want %q", got, tt.wantUA)
			}
			if got := h.Get("Accept"); got != tt.wantAccept {
				t.Errorf("Accept = %q, want %q", got, tt.wantAccept)
			}
			if got := h.Get("Accept-Language"); got != tt.wantAcceptLng {
				t.Errorf("Accept-Language = %q, want %q", got, tt.wantAcceptLng)
			}
		})
	}
}

// TestRateLimit has several workers share one host's budget on a fake
// clock that moves only while every worker still sending waits for a
// token: a request on its way takes no time, so the server's stamps are
// the moments the limiter granted, whatever the machine's load.
func TestRateLimit(t *testing.T) {
	const (
		perSecond = 50
		burst     = 1
		requests  = 60
		workers   = 4
		interval  = time.Second / perSecond
	)
	clock := clockwork.NewFakeClock()
	start := clock.Now()
	rec, srv := serve(t)
	rec.now = clock.Now
	tr := New(fast(Config{Rate: perSecond, Burst: burst, Clock: clock}), nil)
	c := tr.Client()

	var next, active atomic.Int64
	active.Store(workers)
	var wg sync.WaitGroup
	errs := make(chan error, requests)
	for range workers {
		wg.Go(func() {
			defer active.Add(-1)
			for next.Add(1) <= requests {
				if _, err := get(context.Background(), c, srv.URL); err != nil {
					errs <- err
				}
			}
		})
	}
	stop := make(chan struct{})
	driven := make(chan struct{})
	go func() {
		defer close(driven)
		sourcetest.DriveClock(clock, func() int { return int(active.Load()) }, stop)
	}()
	wg.Wait()
	close(stop)
	<-driven
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	hits := rec.snapshot()
	if len(hits) != requests {
		t.Fatalf("server saw %d requests, want %d", len(hits), requests)
	}
	// Burst 1: the first at once, then one every 1/rate, never sooner
	// (a limiter removed or doubled) and never later (one far stricter).
	for i, h := range hits {
		if want := start.Add(time.Duration(i) * interval); !h.at.Equal(want) {
			t.Fatalf("request %d granted at %s, want %s", i, h.at.Sub(start), want.Sub(start))
		}
	}
	for _, window := range []time.Duration{100 * time.Millisecond, 500 * time.Millisecond, time.Second} {
		most := 0
		for i := range hits {
			n := 0
			for j := i; j < len(hits) && hits[j].at.Sub(hits[i].at) < window; j++ {
				n++
			}
			most = max(most, n)
		}
		if allowed := burst + int(perSecond*window.Seconds()); most > allowed {
			t.Errorf("%d requests within %s, the budget allows %d", most, window, allowed)
		}
	}
	st := tr.Stats()
	if st.Requests != requests || st.Statuses[200] != requests || st.Retries != 0 || st.Failures != 0 {
		t.Errorf("Stats = %+v", st)
	}
	// Four workers waiting at once wait once: the time waited is the time
	// the run lost to the limiter, from the first request to the last.
	if want := (requests - 1) * interval; st.Waited != want {
		t.Errorf("Stats.Waited = %s, want %s", st.Waited, want)
	}
}

// pausedUntil reads the host's current 429 pause.
func (t *Transport) pausedUntilForTest() time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.pausedUntil
}

func TestRetryAfterPausesEveryWorker(t *testing.T) {
	rec, srv := serve(t,
		step{code: http.StatusTooManyRequests, body: "Edge: Too Many Requests", retryAfter: "1"},
		step{code: http.StatusOK, body: "ok"})
	tr := New(fast(Config{}), nil)
	c := tr.Client()

	first := make(chan error, 1)
	go func() {
		body, err := get(context.Background(), c, srv.URL+"/first")
		if err == nil && body != "ok" {
			err = fmt.Errorf("body %q", body)
		}
		first <- err
	}()
	// Start the second worker only once the 429 has paused the host.
	for tr.pausedUntilForTest().IsZero() {
		time.Sleep(time.Millisecond)
	}
	if p := tr.Stats().Paused; p <= 0 || p > time.Second {
		t.Errorf("Stats().Paused during the pause = %s, want (0, 1s]", p)
	}
	body, err := get(context.Background(), c, srv.URL+"/second")
	if err != nil || body != "ok" {
		t.Fatalf("second worker: %q, %v", body, err)
	}
	if err := <-first; err != nil {
		t.Fatalf("first worker: %v", err)
	}

	hits := rec.snapshot()
	if len(hits) != 3 {
		t.Fatalf("server saw %d requests, want the 429 and two successes", len(hits))
	}
	for _, h := range hits[1:] {
		if gap := h.at.Sub(hits[0].at); gap < time.Second {
			t.Errorf("%s reached the server %s after the 429, inside the 1s Retry-After", h.uri, gap)
		}
	}
	st := tr.Stats()
	if st.Throttled != 1 || st.Statuses[429] != 1 || st.Statuses[200] != 2 || st.Failures != 0 || st.Paused != 0 {
		t.Errorf("Stats = %+v", st)
	}
}

func TestGivesUpAfterMaxCooldown(t *testing.T) {
	rec, srv := serve(t, step{code: http.StatusTooManyRequests, body: "Edge: Too Many Requests"})
	tr := New(fast(Config{MinBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond, MaxCooldown: 60 * time.Millisecond}), nil)
	c := tr.Client()

	_, err := get(context.Background(), c, srv.URL)
	if !errors.Is(err, ErrRateLimited) {
		t.Fatalf("err = %v, want ErrRateLimited", err)
	}
	var serr *StatusError
	if !errors.As(err, &serr) || serr.Code != 429 || string(serr.Body) != "Edge: Too Many Requests" {
		t.Errorf("err does not carry the 429 StatusError and its body: %v", err)
	}
	if IsTransient(err) {
		t.Error("a 429 give-up is reported as transient")
	}
	sent := rec.count()
	if sent < 2 {
		t.Errorf("server saw %d requests; the transport should have waited out at least one 429", sent)
	}

	// Within the cooldown, requests fail without reaching the host.
	_, err = get(context.Background(), c, srv.URL)
	if !errors.Is(err, ErrRateLimited) {
		t.Fatalf("second request: err = %v, want ErrRateLimited", err)
	}
	if rec.count() != sent {
		t.Errorf("server saw %d requests after the give-up, want none", rec.count()-sent)
	}
	st := tr.Stats()
	if st.Throttled != int64(sent) || st.Failures != 2 || st.Requests != int64(sent) {
		t.Errorf("Stats = %+v, want %d throttled, 2 failures", st, sent)
	}
}

func TestRetriesTransientFailures(t *testing.T) {
	tests := []struct {
		name      string
		steps     []step
		timeout   time.Duration
		wantBody  string
		wantHits  int
		wantCode  int // of the final StatusError, when the request fails
		wantTrans bool
	}{
		{"5xx burst then success",
			[]step{{code: 503}, {code: 502}, {code: 500}, {code: 200, body: "fine"}}, 0, "fine", 4, 0, false},
		{"5xx on every attempt",
			[]step{{code: 502, body: "bad gateway"}}, 0, "", 4, 502, true},
		{"truncated body",
			[]step{{truncate: true, body: `{"chart":`}, {code: 200, body: "whole"}}, 0, "whole", 2, 0, false},
		{"connection reset",
			[]step{{reset: true}, {code: 200, body: "whole"}}, 0, "whole", 2, 0, false},
		{"attempt timeout",
			[]step{{delay: 2 * time.Second, code: 200, body: "late"}, {code: 200, body: "quick"}}, 50 * time.Millisecond, "quick", 2, 0, false},
		{"truncated on every attempt",
			[]step{{truncate: true, body: "x"}}, 0, "", 4, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, srv := serve(t, tt.steps...)
			tr := New(fast(Config{Timeout: tt.timeout}), nil)
			body, err := get(context.Background(), tr.Client(), srv.URL)
			if rec.count() != tt.wantHits {
				t.Errorf("server saw %d requests, want %d", rec.count(), tt.wantHits)
			}
			if tt.wantBody != "" {
				if err != nil || body != tt.wantBody {
					t.Fatalf("got %q, %v; want %q", body, err, tt.wantBody)
				}
				if st := tr.Stats(); st.Retries != int64(tt.wantHits-1) || st.Failures != 0 {
					t.Errorf("Stats = %+v", st)
				}
				return
			}
			if err == nil {
				t.Fatalf("got %q, want an error", body)
			}
			if IsTransient(err) != tt.wantTrans {
				t.Errorf("IsTransient(%v) = %v", err, !tt.wantTrans)
			}
			var serr *StatusError
			if tt.wantCode != 0 && (!errors.As(err, &serr) || serr.Code != tt.wantCode) {
				t.Errorf("err = %v, want a StatusError %d", err, tt.wantCode)
			}
			if st := tr.Stats(); st.Failures != 1 || st.Retries != int64(tt.wantHits-1) {
				t.Errorf("Stats = %+v", st)
			}
		})
	}
}

func TestPermanentStatusesAreNotRetried(t *testing.T) {
	tests := []struct {
		code     int
		body     string
		sentinel error
	}{
		{404, `{"chart":{"result":null,"error":{"code":"Not Found","description":"No data found, symbol may be delisted"}}}`, nil},
		{400, `{"chart":{"result":null,"error":{"code":"Bad Request"}}}`, nil},
		{410, "<html>gone</html>", ErrGone},
		{403, "forbidden", nil},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.code), func(t *testing.T) {
			rec, srv := serve(t, step{code: tt.code, body: tt.body})
			tr := New(fast(Config{}), nil)
			_, err := get(context.Background(), tr.Client(), srv.URL+"/v8/finance/chart/X")
			var serr *StatusError
			if !errors.As(err, &serr) {
				t.Fatalf("err = %v, want a *StatusError", err)
			}
			if serr.Code != tt.code || string(serr.Body) != tt.body || serr.Method != "GET" || serr.URL != srv.URL+"/v8/finance/chart/X" {
				t.Errorf("StatusError = %+v", serr)
			}
			if rec.count() != 1 {
				t.Errorf("server saw %d requests, want exactly 1", rec.count())
			}
			if tt.sentinel != nil && !errors.Is(err, tt.sentinel) {
				t.Errorf("errors.Is(%v, %v) = false", err, tt.sentinel)
			}
			if IsTransient(err) || errors.Is(err, ErrRateLimited) {
				t.Errorf("%d classified as transient or rate limited", tt.code)
			}
			if st := tr.Stats(); st.Requests != 1 || st.Retries != 0 || st.Failures != 1 || st.Statuses[tt.code] != 1 {
				t.Errorf("Stats = %+v", st)
			}
		})
	}
}

func TestContextCancelStopsWaiting(t *testing.T) {
	tests := []struct {
		name  string
		cfg   Config
		steps []step
		prime bool // send one request first to use up the budget
		ctx   func() (context.Context, context.CancelFunc)
		want  error
		hits  int
	}{
		{"429 pause", Config{}, []step{{code: 429, retryAfter: "30"}}, false,
			func() (context.Context, context.CancelFunc) {
				return context.WithTimeout(context.Background(), 50*time.Millisecond)
			}, context.DeadlineExceeded, 1},
		{"backoff between 5xx", Config{MinBackoff: 30 * time.Second, MaxBackoff: time.Minute}, []step{{code: 503}}, false,
			func() (context.Context, context.CancelFunc) {
				return context.WithTimeout(context.Background(), 50*time.Millisecond)
			}, context.DeadlineExceeded, 1},
		{"rate limiter, cancelled", Config{Rate: rate.Every(time.Hour), Burst: 1}, nil, true,
			func() (context.Context, context.CancelFunc) {
				ctx, cancel := context.WithCancel(context.Background())
				time.AfterFunc(50*time.Millisecond, cancel)
				return ctx, cancel
			}, context.Canceled, 1},
		{"rate limiter, deadline before the next token", Config{Rate: rate.Every(time.Hour), Burst: 1}, nil, true,
			func() (context.Context, context.CancelFunc) {
				return context.WithTimeout(context.Background(), time.Minute)
			}, context.DeadlineExceeded, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, srv := serve(t, tt.steps...)
			c := New(fast(tt.cfg), nil).Client()
			if tt.prime {
				if _, err := get(context.Background(), c, srv.URL); err != nil {
					t.Fatal(err)
				}
			}
			ctx, cancel := tt.ctx()
			defer cancel()
			done := make(chan error, 1)
			go func() {
				_, err := get(ctx, c, srv.URL)
				done <- err
			}()
			select {
			case err := <-done:
				if !errors.Is(err, tt.want) {
					t.Errorf("err = %v, want %v", err, tt.want)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the request kept waiting after its context ended")
			}
			if rec.count() != tt.hits {
				t.Errorf("server saw %d requests, want %d", rec.count(), tt.hits)
			}
		})
	}
}

func TestBodyTooLargeIsNotRetried(t *testing.T) {
	rec, srv := serve(t, step{code: 200, body: "0123456789abcdef"})
	_, err := get(context.Background(), New(fast(Config{MaxBody: 10}), nil).Client(), srv.URL)
	if !errors.Is(err, ErrBodyTooLarge) || IsTransient(err) {
		t.Errorf("err = %v, want a permanent too-large error", err)
	}
	if rec.count() != 1 {
		t.Errorf("server saw %d requests, want 1", rec.count())
	}
}

func TestRequestWithBodyIsRefused(t *testing.T) {
	rec, srv := serve(t)
	req, _ := http.NewRequest(http.MethodPost, srv.URL, bufio.NewReader(io.LimitReader(zeros{}, 3)))
	if _, err := New(fast(Config{}), nil).Client().Do(req); err == nil {
		t.Fatal("a request with a body was sent")
	}
	if rec.count() != 0 {
		t.Errorf("server saw %d requests", rec.count())
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func TestHead(t *testing.T) {
	rec, srv := serve(t, step{code: 200, body: "a body HEAD does not carry"})
	req, _ := http.NewRequest(http.MethodHead, srv.URL, nil)
	resp, err := New(fast(Config{}), nil).Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || rec.count() != 1 {
		t.Errorf("status %d after %d requests", resp.StatusCode, rec.count())
	}
}

func TestStats(t *testing.T) {
	_, srv := serve(t, step{code: 503}, step{code: 200, body: "ok"}, step{code: 404})
	tr := New(fast(Config{}), nil)
	c := tr.Client()
	if _, err := get(context.Background(), c, srv.URL); err != nil {
		t.Fatal(err)
	}
	before := tr.Stats()
	if _, err := get(context.Background(), c, srv.URL); err == nil {
		t.Fatal("404 succeeded")
	}
	after := tr.Stats()
	if after.Requests != 3 || after.Retries != 1 || after.Failures != 1 || after.Throttled != 0 ||
		after.Statuses[503] != 1 || after.Statuses[200] != 1 || after.Statuses[404] != 1 {
		t.Errorf("Stats = %+v", after)
	}
	d := after.Sub(before)
	if d.Requests != 1 || d.Retries != 0 || d.Failures != 1 || len(d.Statuses) != 1 || d.Statuses[404] != 1 {
		t.Errorf("Sub = %+v", d)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 9, 29, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"0", 0},
		{"120", 2 * time.Minute},
		{"-5", 0},
		{"soon", 0},
		{"Tue, 29 Sep 2026 10:00:30 GMT", 30 * time.Second},
		{"Tue, 29 Sep 2026 09:59:00 GMT", 0}, // in the past
	}
	for _, tt := range tests {
		if got := parseRetryAfter(tt.in, now); got != tt.want {
			t.Errorf("parseRetryAfter(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// roundTripper answers every request with its function.
type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestUnknownHostIsNotRetried checks that a host DNS says does not exist
// fails at once, with the URL named once.
func TestUnknownHostIsNotRetried(t *testing.T) {
	dns := &net.DNSError{Err: "no such host", Name: "api.example.invalid", IsNotFound: true}
	tr := New(fast(Config{}), roundTripper(func(*http.Request) (*http.Response, error) { return nil, dns }))
	_, err := get(context.Background(), tr.Client(), "https://api.example.invalid/x")
	var got *net.DNSError
	var unreachable *UnreachableError
	if !errors.As(err, &got) || IsTransient(err) || !errors.As(err, &unreachable) || unreachable.Host != "api.example.invalid" {
		t.Fatalf("err = %v, want the permanent DNS error, typed unreachable for api.example.invalid", err)
	}
	if want := `Get "https://api.example.invalid/x": lookup api.example.invalid: no such host`; err.Error() != want {
		t.Errorf("err = %q, want %q", err, want)
	}
	if s := tr.Stats(); s.Requests != 1 || s.Retries != 0 {
		t.Errorf("stats = %+v, want 1 request and no retry", s)
	}
}

// TestRefusedConnectionIsUnreachable: nothing listening at the address is
// retried (a server restarting), and typed unreachable when it persists.
func TestRefusedConnectionIsUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	tr := New(fast(Config{MaxAttempts: 2}), nil)
	_, err = get(context.Background(), tr.Client(), "http://"+addr+"/x")
	var unreachable *UnreachableError
	if !errors.As(err, &unreachable) || unreachable.Host != "127.0.0.1" || !IsTransient(err) {
		t.Fatalf("err = %v, want a transient UnreachableError for 127.0.0.1", err)
	}
	if s := tr.Stats(); s.Requests != 2 || s.Retries != 1 {
		t.Errorf("stats = %+v, want 2 attempts", s)
	}
}
