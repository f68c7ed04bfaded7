package sourcetest

import (
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

func TestParseLimits(t *testing.T) {
	got, err := ParseLimits("yahoo=100/m, naver=10/s,query2.finance.yahoo.com=5/h")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Limit{"yahoo": {100, time.Minute}, "naver": {10, time.Second}, "query2.finance.yahoo.com": {5, time.Hour}}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	for _, bad := range []string{"yahoo", "yahoo=0/m", "yahoo=x/m", "yahoo=5/d", "=5/s"} {
		if _, err := ParseLimits(bad); err == nil {
			t.Errorf("ParseLimits(%q) accepted", bad)
		}
	}
}

func TestSlidingWindow(t *testing.T) {
	l := newLimiter(map[string]Limit{"k": {Requests: 2, Window: 10 * time.Second}})
	t0 := time.Unix(1000, 0)
	steps := []struct {
		at    time.Duration
		ok    bool
		retry time.Duration
	}{
		{0, true, 0},
		{3 * time.Second, true, 0},
		{4 * time.Second, false, 6 * time.Second}, // the first leaves the window at 10s
		{9 * time.Second, false, time.Second},
		{10 * time.Second, true, 0},
		{11 * time.Second, false, 2 * time.Second},
		{13 * time.Second, true, 0},
	}
	for _, s := range steps {
		ok, retry := l.allow("127.0.0.1", "k", t0.Add(s.at))
		if ok != s.ok || retry != s.retry {
			t.Errorf("at %s: ok %v retry %s, want %v %s", s.at, ok, retry, s.ok, s.retry)
		}
	}
	if ok, _ := l.allow("127.0.0.1", "", t0); !ok {
		t.Error("a request under no limit was refused")
	}
}

// Limits apply per host when the host has its own, per group otherwise;
// requests beyond them are 429s with Retry-After, counted as violations.
func TestRateLimitPerHostAndGroup(t *testing.T) {
	m := New(Options{Now: fixedNow(recorded), Limits: map[string]Limit{
		GroupNaver:                 {Requests: 2, Window: time.Hour},
		"query1.finance.yahoo.com": {Requests: 1, Window: time.Hour},
	}})
	url, stop := m.Start()
	defer stop()
	do := func(host, path string) *http.Response {
		req, _ := http.NewRequest("GET", url+path, nil)
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	chart := "/v8/finance/chart/AAPL?range=5d"
	poll := "/api/realtime/domestic/stock/005930"
	steps := []struct {
		host, path string
		status     int
	}{
		{"query1.finance.yahoo.com", chart, 200},
		{"query1.finance.yahoo.com", chart, 429},
		{"query2.finance.yahoo.com", chart, 200}, // no limit of its own, none for its group
		{"query2.finance.yahoo.com", chart, 200},
		{"polling.finance.naver.com", poll, 200},
		{"fchart.stock.naver.com", "/sise.nhn?symbol=005930&timeframe=day&count=1", 200},
		{"polling.finance.naver.com", poll, 429}, // the group's two are spent
	}
	for i, s := range steps {
		resp := do(s.host, s.path)
		if resp.StatusCode != s.status {
			t.Errorf("step %d %s%s = %d, want %d", i, s.host, s.path, resp.StatusCode, s.status)
		}
		if s.status == 429 && resp.Header.Get("Retry-After") != "3600" {
			t.Errorf("step %d: Retry-After %q, want 3600", i, resp.Header.Get("Retry-After"))
		}
	}
	st := m.Stats()
	if st.Requests != 7 || st.Violations != 2 || st.Hosts["query1.finance.yahoo.com"].Violations != 1 ||
		st.Routes[RoutePolling].Requests != 2 || st.Routes[RoutePolling].Violations != 1 {
		t.Errorf("stats = %+v", st)
	}
}

// clientFrom returns an http.Client whose connections leave from ip.
func clientFrom(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
}

// The sites budget each client address: two addresses get two budgets,
// and each address's violations are its own.
func TestRateLimitPerClientAddress(t *testing.T) {
	m := New(Options{Now: fixedNow(recorded), Limits: map[string]Limit{GroupYahoo: {Requests: 2, Window: time.Hour}}})
	url, stop := m.Start()
	defer stop()
	a, b := clientFrom("127.0.0.2"), clientFrom("127.0.0.3")
	steps := []struct {
		client *http.Client
		status int
	}{
		{a, 200}, {a, 200}, {a, 429}, // a's two are spent
		{b, 200}, {b, 200}, // b still has its own two
		{a, 429}, {b, 429}, {b, 429},
	}
	for i, s := range steps {
		resp, err := s.client.Get(url + "/v8/finance/chart/AAPL?range=5d")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != s.status {
			t.Errorf("step %d = %d, want %d", i, resp.StatusCode, s.status)
		}
	}
	st := m.Stats()
	want := map[string]Counts{"127.0.0.2": {Requests: 4, Violations: 2}, "127.0.0.3": {Requests: 4, Violations: 2}}
	if len(st.Clients) != 2 || st.Clients["127.0.0.2"] != want["127.0.0.2"] || st.Clients["127.0.0.3"] != want["127.0.0.3"] {
		t.Errorf("per client = %+v, want %+v", st.Clients, want)
	}
	if st.Requests != 8 || st.Violations != 4 {
		t.Errorf("total = %+v, want 8 requests, 4 violations", st.Counts)
	}
}
