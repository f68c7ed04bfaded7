package e2e_test

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/marketd/marketd/collector"
	"github.com/marketd/marketd/sources/httpx"
	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/sourcetest"
	"github.com/marketd/marketd/store/mysql"
	"github.com/marketd/marketd/store/storetest"
)

// Sizes of the big benchmarks; the defaults keep one `make bench` within a
// few minutes on a small machine. The full sizes:
// -args -e2e.instruments=1000 -e2e.ratelimit-seconds=60.
var (
	benchInstruments = flag.Int("e2e.instruments", 1000, "instruments in BenchmarkBackfillPipeline (half Yahoo, half Naver)")
	benchYears       = flag.Int("e2e.years", 10, "years of history in BenchmarkBackfillPipeline")
	rateSeconds      = flag.Int("e2e.ratelimit-seconds", 10, "length of the BenchmarkRateLimit run")
	rateRPS          = flag.Int("e2e.ratelimit-rps", 200, "request budget of BenchmarkRateLimit")
)

// BenchmarkRateLimit drives one host through httpx with more workers than
// the rate needs, against a site allowing -e2e.ratelimit-rps requests in
// any sliding second. The client is configured at 98% of that: at exactly
// the site's rate, arrival jitter alone puts an occasional request over
// the window, and its 429 pauses the host for a whole Retry-After second.
// Reports achieved/allowed (the site's budget), achieved/configured (the
// limiter's own efficiency) and the requests the site refused.
func BenchmarkRateLimit(b *testing.B) {
	rps := *rateRPS
	m := sourcetest.New(sourcetest.Options{Unknown: []string{"999999"},
		Limits: map[string]sourcetest.Limit{sourcetest.GroupNaver: {Requests: rps, Window: time.Second}}})
	url := server(b, m, m)
	// The client's budget sits 5% under the site's window: a token bucket
	// never exceeds rate×window+burst, but requests granted a few
	// milliseconds apart can arrive together when the machine is loaded,
	// and 5% absorbs about 50 ms of such jitter. Utilization is then
	// measured against the budget the client was given.
	configured := 0.95 * float64(rps)
	var achieved, util float64
	var violations int64
	for b.Loop() {
		before := m.Stats()
		tr := httpx.New(httpx.Config{Rate: rate.Limit(configured), Burst: 1, MinBackoff: time.Millisecond}, nil)
		client := tr.Client()
		// Cancelled rather than a deadline: the limiter refuses a wait that
		// would end past a deadline, which would end the run early.
		ctx, cancel := context.WithCancel(context.Background())
		timer := time.AfterFunc(time.Duration(*rateSeconds)*time.Second, cancel)
		var sent atomic.Int64
		var wg sync.WaitGroup
		start := time.Now()
		for range 8 {
			wg.Go(func() {
				for ctx.Err() == nil {
					req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"/sise.nhn?symbol=999999&timeframe=day&count=1&requestType=0", nil)
					resp, err := client.Do(req)
					if err != nil {
						if ctx.Err() == nil {
							b.Error(err)
						}
						return
					}
					resp.Body.Close()
					sent.Add(1)
				}
			})
		}
		wg.Wait()
		elapsed := time.Since(start)
		timer.Stop()
		cancel()
		after := m.Stats()
		achieved = float64(after.Requests-before.Requests) / elapsed.Seconds()
		util = achieved / float64(rps)
		violations = after.Violations - before.Violations
	}
	b.ReportMetric(float64(rps), "allowed_req/s")
	b.ReportMetric(achieved, "achieved_req/s")
	b.ReportMetric(util, "achieved/allowed")
	b.ReportMetric(achieved/configured, "achieved/configured")
	b.ReportMetric(float64(violations), "violations")
}

// BenchmarkRequestsPerInstrument counts the requests that reach the site
// per instrument, per source, for a 10-year backfill and for the next
// day's collect (Naver answers that from its polling batch).
func BenchmarkRequestsPerInstrument(b *testing.B) {
	const n = 100
	insts, syms := universe(n)
	var yb, nb, yd, nd float64
	for b.Loop() {
		ctx := context.Background()
		st := storetest.OpenMySQL(b)
		now := fixedNow
		clock := func() time.Time { return now }
		m := sourcetest.New(sourcetest.Options{Now: clock, Symbols: syms, HistoryStart: market.NewDate(2016, 1, 4)})
		url := server(b, m, m)
		if _, err := st.AddInstruments(ctx, insts); err != nil {
			b.Fatal(err)
		}
		p := newPipeline(b, st, url, clock, httpx.Config{}, collector.Config{})
		s0 := m.Stats()
		if s, _, err := p.c.Backfill(ctx, collector.BackfillRequest{From: market.NewDate(2016, 3, 7)}); err != nil || s.Failed != 0 {
			b.Fatalf("backfill: %s, %v", s, err)
		}
		s1 := m.Stats()
		now = time.Date(2026, 3, 9, 22, 0, 0, 0, time.UTC) // Monday closed in New York, settled in Seoul
		if s, err := p.c.Collect(ctx, collector.CollectRequest{}); err != nil || s.Failed != 0 {
			b.Fatalf("collect: %s, %v", s, err)
		}
		s2 := m.Stats()
		half := float64(n / 2)
		yahoo := func(s sourcetest.Stats) float64 { return float64(s.Routes[sourcetest.RouteChart].Requests) }
		naver := func(s sourcetest.Stats) float64 {
			return float64(s.Requests - s.Routes[sourcetest.RouteChart].Requests)
		}
		yb, nb = (yahoo(s1)-yahoo(s0))/half, (naver(s1)-naver(s0))/half
		yd, nd = (yahoo(s2)-yahoo(s1))/half, (naver(s2)-naver(s1))/half
	}
	b.ReportMetric(yb, "yahoo_backfill_req/inst")
	b.ReportMetric(nb, "naver_backfill_req/inst")
	b.ReportMetric(yd, "yahoo_daily_req/inst")
	b.ReportMetric(nd, "naver_daily_req/inst")
}

// BenchmarkBackfillPipeline backfills -e2e.instruments × -e2e.years from
// an unthrottled simulated market into MariaDB through the whole pipeline
// (HTTP, parse, collector, upsert): wall time, rows/s and memory.
// "inprocess" runs the collector in the benchmark process (its peak RSS
// includes the simulated market); "binary" runs `marketd backfill` and
// reports the marketd process's own peak RSS.
func BenchmarkBackfillPipeline(b *testing.B) {
	n, years := *benchInstruments, *benchYears
	insts, syms := universe(n)
	to := market.NewDate(2026, 3, 5)
	from := market.NewDate(to.Year()-years, to.Month(), to.Day())
	b.Run(fmt.Sprintf("inprocess/%dx%dy", n, years), func(b *testing.B) {
		var rows int
		var wall time.Duration
		var heap uint64
		for b.Loop() {
			ctx := context.Background()
			st := storetest.OpenMySQL(b)
			m := sourcetest.New(sourcetest.Options{Now: clockAt(fixedNow), Symbols: syms, HistoryStart: from})
			url := server(b, m, m)
			if _, err := st.AddInstruments(ctx, insts); err != nil {
				b.Fatal(err)
			}
			p := newPipeline(b, st, url, clockAt(fixedNow), httpx.Config{}, collector.Config{})
			stop := storetest.HeapPeak()
			start := time.Now()
			s, _, err := p.c.Backfill(ctx, collector.BackfillRequest{From: from})
			wall = time.Since(start)
			heap = stop()
			if err != nil || s.Failed != 0 {
				b.Fatalf("backfill: %s, %v", s, err)
			}
			rows = s.Inserted
		}
		b.ReportMetric(wall.Seconds(), "wall_s")
		b.ReportMetric(float64(rows)/wall.Seconds(), "rows/s")
		b.ReportMetric(float64(rows), "rows")
		b.ReportMetric(float64(heap)/(1<<20), "peak_heap_MB")
		b.ReportMetric(vmHWM()/1024, "peak_rss_MB")
	})
	b.Run(fmt.Sprintf("binary/%dx%dy", n, years), func(b *testing.B) {
		bin := marketdBinary(b)
		requireCommand(b, bin, "backfill")
		var rows int
		var wall time.Duration
		var rss float64
		for b.Loop() {
			ctx := context.Background()
			dbURL := storetest.FreshMySQLURL(b)
			st, err := mysql.Open(ctx, mysql.Config{URL: dbURL})
			if err != nil {
				b.Fatal(err)
			}
			if err := st.Migrate(ctx); err != nil {
				b.Fatal(err)
			}
			if _, err := st.AddInstruments(ctx, insts); err != nil {
				b.Fatal(err)
			}
			m := sourcetest.New(sourcetest.Options{Symbols: syms, HistoryStart: from})
			url := server(b, m, m)
			cmd := exec.Command(bin, "backfill", "--all", "--from", from.String(), "--to", to.String())
			cmd.Env = append(cleanEnv(), "MARKETD_DATABASE="+dbURL, "MARKETD_LOG_LEVEL=warn",
				"MARKETD_SOURCES_YAHOO_BASE_URL="+url, "MARKETD_SOURCES_YAHOO_RATE=unlimited",
				"MARKETD_SOURCES_NAVER_FCHART_URL="+url, "MARKETD_SOURCES_NAVER_API_URL="+url,
				"MARKETD_SOURCES_NAVER_POLLING_URL="+url, "MARKETD_SOURCES_NAVER_MOBILE_URL="+url,
				"MARKETD_SOURCES_NAVER_RATE=unlimited")
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			start := time.Now()
			if err := cmd.Start(); err != nil {
				b.Fatal(err)
			}
			// Not the rusage maxrss: Linux carries the parent's high-water
			// mark into a child at exec, so it reports this process's peak.
			stopWatch := watchHWM(cmd.Process.Pid)
			err = cmd.Wait()
			wall = time.Since(start)
			rss = stopWatch()
			if err != nil {
				b.Fatalf("marketd backfill: %v\n%s", err, out.String())
			}
			if err := st.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM bars").Scan(&rows); err != nil {
				b.Fatal(err)
			}
			st.Close()
		}
		b.ReportMetric(wall.Seconds(), "wall_s")
		b.ReportMetric(float64(rows)/wall.Seconds(), "rows/s")
		b.ReportMetric(float64(rows), "rows")
		b.ReportMetric(rss/1024, "marketd_peak_rss_MB")
	})
}

// watchHWM polls the peak resident set (VmHWM) of process pid until
// stopped and returns the last value read, in KiB: the peak up to a few
// milliseconds before the process ended.
func watchHWM(pid int) (stop func() float64) {
	path := fmt.Sprintf("/proc/%d/status", pid)
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			if kb := statusHWM(path); kb > float64(peak.Load()) {
				peak.Store(uint64(kb))
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	return func() float64 {
		close(done)
		wg.Wait()
		return float64(peak.Load())
	}
}

// vmHWM is this process's peak resident set in KiB (0 where /proc is absent).
func vmHWM() float64 { return statusHWM("/proc/self/status") }

func statusHWM(path string) float64 {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 64)
			return kb
		}
	}
	return 0
}
