package e2e_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/sourcetest"
	"github.com/marketd/marketd/store"
	"github.com/marketd/marketd/store/mysql"
	"github.com/marketd/marketd/store/storetest"
)

var (
	scaleInstruments = flag.Int("e2e.scaleout-instruments", 600, "instruments in BenchmarkScaleOut")
	scaleRPS         = flag.Int("e2e.scaleout-rps", 20, "requests per second the simulated market allows each client address in BenchmarkScaleOut")
)

// BenchmarkScaleOut times one scheduled collect of -e2e.scaleout-instruments
// Yahoo instruments done by one `marketd run` process, then by three, each
// bound to its own loopback address (127.0.0.2-.4, sources.yahoo.local_addr)
// against the simulated market allowing each client address the same
// -e2e.scaleout-rps budget. Every process has the same configuration; the
// one that claims the slot splits the run into work units, the others join.
// Reports both times, their ratio (the target: ≤ 0.37), and the
// requests per instrument and budget violations of the three-process run.
func BenchmarkScaleOut(b *testing.B) {
	bin := marketdBinary(b)
	n, rps := *scaleInstruments, *scaleRPS
	m, insts := perAddressMarket(n, rps)
	url := server(b, m, m)

	// collect runs the job with one process per address and returns how
	// long until its run was recorded, and the run. Every process must
	// have done units (each names its address).
	collect := func(addrs []string) (time.Duration, store.Run) {
		st, dbURL := storeWith(b, insts)
		start := time.Now()
		// 95% of the site's budget: arrival jitter must not push a
		// request over its sliding second.
		procs := startDaemons(b, bin, dbURL, url, rps*60*95/100, addrs)
		defer stopDaemons(procs)
		run := waitRun(b, st, time.Duration(2*n/rps+60)*time.Second)
		took := time.Since(start)
		units, err := st.Units(context.Background(), run.ID)
		if err != nil {
			b.Fatal(err)
		}
		for _, addr := range addrs {
			if !slices.ContainsFunc(units, func(u store.Unit) bool { return strings.HasSuffix(u.Host, "@"+addr) }) {
				b.Errorf("the process on %s did no unit: %s", addr, run.Message)
			}
		}
		return took, run
	}

	var one, three time.Duration
	var run store.Run
	var violations int64
	for b.Loop() {
		var r1 store.Run
		one, r1 = collect([]string{"127.0.0.2"})
		if r1.OK != n {
			b.Fatalf("one process: %+v", r1)
		}
		before := m.Stats()
		three, run = collect([]string{"127.0.0.2", "127.0.0.3", "127.0.0.4"})
		after := m.Stats()
		if run.OK != n || run.Status != store.RunOK {
			b.Fatalf("three processes: %+v", run)
		}
		violations = after.Violations - before.Violations
		b.Logf("three processes: %s", run.Message)
	}
	b.ReportMetric(one.Seconds(), "s/1-process")
	b.ReportMetric(three.Seconds(), "s/3-processes")
	b.ReportMetric(three.Seconds()/one.Seconds(), "ratio")
	b.ReportMetric(float64(run.Requests)/float64(n), "requests/instrument")
	b.ReportMetric(float64(violations), "violations")
}

// startDaemons starts one `marketd run` per address, each bound to it
// (sources.yahoo.local_addr) with a rate of perMinute requests, all with
// the same job on the same database: a daily Yahoo collect that each
// catches up at start.
func startDaemons(tb testing.TB, bin, dbURL, url string, perMinute int, addrs []string) []*exec.Cmd {
	tb.Helper()
	dir := tb.TempDir()
	var procs []*exec.Cmd
	for i, addr := range addrs {
		cfg := fmt.Sprintf(`database: %q
log_level: warn
sources:
  yahoo: {base_url: %q, rate: %d/m, burst: 1, local_addr: %s}
http:
  listen: 127.0.0.1:0
schedule:
  jobs:
    - {name: collect-us, cron: "0 0 0 * * *", tz: UTC, source: yahoo}
`, dbURL, url, perMinute, addr)
		path := filepath.Join(dir, fmt.Sprintf("marketd-%d.yaml", i))
		if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
			tb.Fatal(err)
		}
		cmd := exec.Command(bin, "run", "--config", path)
		cmd.Env = cleanEnv()
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Start(); err != nil {
			tb.Fatal(err)
		}
		procs = append(procs, cmd)
	}
	return procs
}

// stopDaemons stops the processes (SIGTERM) and waits for them.
func stopDaemons(procs []*exec.Cmd) {
	for _, p := range procs {
		_ = p.Process.Signal(syscall.SIGTERM)
	}
	for _, p := range procs {
		_ = p.Wait()
	}
}

// perAddressMarket is a simulated market of n Yahoo instruments (XNYS)
// allowing each client address rps requests in any sliding second, and
// the instruments.
func perAddressMarket(n, rps int) (*sourcetest.Market, []market.Instrument) {
	var syms []sourcetest.Symbol
	var insts []market.Instrument
	for i := range n {
		sym := fmt.Sprintf("SC%04d", i)
		syms = append(syms, sourcetest.Symbol{Symbol: sym})
		insts = append(insts, market.Instrument{Key: market.Key{Source: market.SourceYahoo, Symbol: sym}, Market: market.XNYS, Active: true})
	}
	return sourcetest.New(sourcetest.Options{Symbols: syms,
		Limits: map[string]sourcetest.Limit{sourcetest.GroupYahoo: {Requests: rps, Window: time.Second}}}), insts
}

// storeWith returns a fresh MariaDB store holding insts, closed at
// cleanup, and its URL.
func storeWith(tb testing.TB, insts []market.Instrument) (*store.Store, string) {
	tb.Helper()
	ctx := context.Background()
	dbURL := storetest.FreshMySQLURL(tb)
	st, err := mysql.Open(ctx, mysql.Config{URL: dbURL})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	if _, err := st.AddInstruments(ctx, insts); err != nil {
		tb.Fatal(err)
	}
	return st, dbURL
}

// waitRun waits up to within for the collect-us run to be recorded
// finished, and returns it.
func waitRun(tb testing.TB, st *store.Store, within time.Duration) store.Run {
	tb.Helper()
	for deadline := time.Now().Add(within); ; time.Sleep(50 * time.Millisecond) {
		runs, err := st.Runs(context.Background(), "collect-us", 1)
		if err != nil {
			tb.Fatal(err)
		}
		if len(runs) == 1 && runs[0].Status != store.RunRunning {
			return runs[0]
		}
		if time.Now().After(deadline) {
			tb.Fatalf("the run did not finish within %s: %+v", within, runs)
		}
	}
}
