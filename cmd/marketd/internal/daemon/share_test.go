package daemon_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/marketd/marketd/cmd/marketd/internal/config"
	"github.com/marketd/marketd/cmd/marketd/internal/daemon"
	"github.com/marketd/marketd/collector"
	"github.com/marketd/marketd/sources/httpx"
	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/market/calendar"
	"github.com/marketd/marketd/sources/sourcetest"
	"github.com/marketd/marketd/sources/yahoo"
	"github.com/marketd/marketd/store"
	"github.com/marketd/marketd/store/mysql"
	"github.com/marketd/marketd/store/storetest"
)

// shareWorld is what the hosts of a shared collection share: a simulated
// market of n US tickers, a MariaDB database holding them, and a clock
// stopped on a Friday evening in New York (the day's session settled).
type shareWorld struct {
	t     *testing.T
	m     *sourcetest.Market
	url   string
	dbURL string
	st    *store.Store
	insts []market.Instrument
	clock func() time.Time
	logs  map[string]*syncBuffer // each daemon's log (JSON), by host
}

func newShareWorld(t *testing.T, n int) *shareWorld {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2026, 3, 6, 22, 0, 0, 0, time.UTC) // Fri 17:00 New York
	w := &shareWorld{t: t, dbURL: storetest.FreshMySQLURL(t), clock: func() time.Time { return now }, logs: map[string]*syncBuffer{}}
	var syms []sourcetest.Symbol
	for i := range n {
		sym := fmt.Sprintf("US%03d", i)
		syms = append(syms, sourcetest.Symbol{Symbol: sym})
		w.insts = append(w.insts, market.Instrument{Key: market.Key{Source: market.SourceYahoo, Symbol: sym}, Market: market.XNYS, Active: true})
	}
	w.m = sourcetest.New(sourcetest.Options{Now: w.clock, Symbols: syms})
	url, stopMarket := w.m.Start()
	t.Cleanup(stopMarket)
	w.url = url
	w.st = w.open()
	if err := w.st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := w.st.AddInstruments(ctx, w.insts); err != nil {
		t.Fatal(err)
	}
	return w
}

// open opens a pool of its own on the database: each host has one.
func (w *shareWorld) open() *store.Store {
	w.t.Helper()
	st, err := mysql.Open(context.Background(), mysql.Config{URL: w.dbURL})
	if err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() { st.Close() })
	return st
}

// collector is one host's collector over st, with its own budget: rps
// requests a second, units of 4 under lease.
func (w *shareWorld) collector(host string, st *store.Store, rps rate.Limit, lease time.Duration) (*collector.Collector, *httpx.Pool) {
	w.t.Helper()
	cals := calendar.NewBook(nil, nil)
	pool := httpx.NewPool(httpx.Config{Rate: rps, Burst: 1}, nil)
	c, err := collector.New(collector.Config{Host: host, UnitSize: 4, Lease: lease, UnitPoll: 20 * time.Millisecond,
		InitialHistory: func(to market.Date) market.Date { return to.AddDays(-30) }}, collector.Deps{
		Sources:   map[string]collector.Source{market.SourceYahoo: yahoo.New(yahoo.Config{BaseURL: w.url, Now: w.clock}, pool.Client())},
		Store:     st,
		Units:     st,
		Calendars: func(ctx context.Context, code string) (collector.Calendar, error) { return cals.For(ctx, code) },
		Log:       slog.New(slog.DiscardHandler),
		Now:       w.clock,
		Stats:     func() map[string]httpx.Stats { return map[string]httpx.Stats{market.SourceYahoo: pool.Total()} },
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return c, pool
}

// daemon builds the daemon of host on a pool of its own (returned), with
// cfg's jobs, collecting at rps requests a second.
func (w *shareWorld) daemon(host string, cfg config.Config, rps rate.Limit, lease time.Duration) (*daemon.Daemon, *store.Store) {
	w.t.Helper()
	hst := w.open()
	build := func(_ context.Context, cfg config.Config) (*daemon.Generation, error) {
		c, pool := w.collector(host, hst, rps, lease)
		return &daemon.Generation{Config: cfg, Collector: c, Calendars: calendar.NewBook(nil, nil),
			Pools: map[string]*httpx.Pool{market.SourceYahoo: pool}}, nil
	}
	w.logs[host] = &syncBuffer{}
	d, err := daemon.New(context.Background(), cfg, daemon.Deps{Store: hst, Build: build, Log: slog.New(slog.NewJSONHandler(w.logs[host], nil)),
		Host: host, Version: "test", Now: w.clock, JoinEvery: 20 * time.Millisecond})
	if err != nil {
		w.t.Fatal(err)
	}
	return d, hst
}

// waitRun waits for job's latest run to be recorded finished.
func (w *shareWorld) waitRun(job string) store.Run {
	w.t.Helper()
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		runs, err := w.st.Runs(context.Background(), job, 1)
		if err != nil {
			w.t.Fatal(err)
		}
		if len(runs) == 1 && runs[0].Status != store.RunRunning {
			return runs[0]
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("%s: no finished run within 60s: %+v", job, runs)
		}
	}
}

// ownerAtWork waits until the host that owns job's latest run (its
// record's host) has done a unit of it, and returns that host and the run.
func (w *shareWorld) ownerAtWork(job string) (string, int64) {
	w.t.Helper()
	ctx := context.Background()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		runs, err := w.st.Runs(ctx, job, 1)
		if err != nil || len(runs) == 0 {
			continue
		}
		r := runs[0]
		units, err := w.st.Units(ctx, r.ID)
		if err == nil && slices.ContainsFunc(units, func(u store.Unit) bool { return u.State == store.UnitDone && u.Host == r.Host }) {
			return r.Host, r.ID
		}
	}
	w.t.Fatalf("%s: the run's owner did no unit within 30s", job)
	return "", 0
}

// checkUnits fails unless every unit of run r is done, claimed at most
// maxClaims times, and r's counts are the sums of its units; it returns
// how many units each host did.
func (w *shareWorld) checkUnits(r store.Run, maxClaims int) map[string]int {
	w.t.Helper()
	units, err := w.st.Units(context.Background(), r.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	done := map[string]int{}
	var sum store.UnitCounts
	for _, u := range units {
		if u.State != store.UnitDone || u.Claims < 1 || u.Claims > maxClaims {
			w.t.Errorf("unit %+v, want done, claimed 1 to %d times", u, maxClaims)
		}
		done[u.Host]++
		sum = sum.Add(u.UnitCounts)
	}
	if got := (store.UnitCounts{OK: r.OK, Failed: r.Failed, Skipped: r.Skipped, Inserted: r.Inserted, Changed: r.Changed,
		Unchanged: r.Unchanged, Requests: r.Requests, Throttled: r.Throttled, Retries: r.Retries}); got != sum {
		w.t.Errorf("run counts %+v, units sum to %+v", got, sum)
	}
	return done
}

// checkBars fails unless every instrument holds exactly the market's bars
// of its last 30 days to the last closed session.
func (w *shareWorld) checkBars() {
	w.t.Helper()
	for _, in := range w.insts {
		cal, _ := calendar.For(in.Market)
		to := cal.LastClosed(w.clock())
		from := to.AddDays(-30)
		got, err := w.st.Bars(context.Background(), in.Key, from, to)
		if want := w.m.Bars(in.Source, in.Symbol, from, to); err != nil || len(want) == 0 || len(got) != len(want) {
			w.t.Errorf("%s: %d bars stored (%v), the market has %d", in.Key, len(got), err, len(want))
		}
	}
}

// finishedLine returns the "run finished" log line of run id in host's
// log, decoded, waiting for it up to within (a host logs the run just
// after it records it); nil when there is none.
func (w *shareWorld) finishedLine(host string, id int64, within time.Duration) map[string]any {
	w.t.Helper()
	for deadline := time.Now().Add(within); ; time.Sleep(20 * time.Millisecond) {
		for _, l := range strings.Split(w.logs[host].String(), "\n") {
			var rec map[string]any
			if json.Unmarshal([]byte(l), &rec) != nil || rec["msg"] != "run finished" {
				continue
			}
			// The scheduler's line names the job, the line of a host that
			// took the run over names the run too.
			if run, ok := rec["run"].(float64); !ok || int64(run) == id {
				return rec
			}
		}
		if time.Now().After(deadline) {
			return nil
		}
	}
}

// metricLines returns the marketd_ lines of the daemon's /metrics.
func metricLines(t *testing.T, d *daemon.Daemon) []string {
	t.Helper()
	resp, err := http.Get("http://" + d.Addr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var out []string
	for _, l := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(l, "marketd_") {
			out = append(out, l)
		}
	}
	return out
}

// waitMetric waits until the daemon's /metrics has line: a host counts
// its units once its work on the run returns, just after the run ends.
func waitMetric(t *testing.T, d *daemon.Daemon, line string) bool {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if slices.Contains(metricLines(t, d), line) {
			return true
		}
	}
	return false
}

// Two daemons on one MariaDB database: the one that claims the collect's
// slot splits it into units, the other joins within its poll; every
// instrument is collected, the run record sums both hosts' units and names
// them, status data (the units) says who did what, and each daemon counts
// its units in marketd_units_total and their instruments in
// marketd_unit_instruments_total{host}.
func TestDaemonsShareACollect(t *testing.T) {
	w := newShareWorld(t, 40)
	cfg := loadConfig(t, fmt.Sprintf(baseConfig, "0 30 17 * * MON-FRI"))
	hosts := []string{"host-a", "host-b"}
	var daemons []*daemon.Daemon
	for _, host := range hosts {
		// 40 requests a second each: one host alone would take a second,
		// and the other has time to join.
		d, _ := w.daemon(host, cfg, 40, 30*time.Second)
		daemons = append(daemons, d)
	}
	// Both catch up the missed slot at start; one claims it.
	var stops []func() error
	for _, d := range daemons {
		stops = append(stops, start(t, d))
	}
	r := w.waitRun("collect-us")
	if r.Status != store.RunOK || r.OK != 40 || r.Inserted == 0 {
		t.Fatalf("run %+v; want ok, 40 instruments", r)
	}
	done := w.checkUnits(r, 1)
	if done["host-a"]+done["host-b"] != 10 || done["host-a"] == 0 || done["host-b"] == 0 {
		t.Errorf("units by host %v; want 10 shared by host-a and host-b", done)
	}
	if want := fmt.Sprintf("10 work units, done by host-a (%d), host-b (%d)", done["host-a"], done["host-b"]); r.Message != want {
		t.Errorf("message %q, want %q", r.Message, want)
	}
	if line := w.finishedLine(r.Host, r.ID, 5*time.Second); line == nil || line["message"] != r.Message {
		t.Errorf("%s's run finished line %v; want the message %q", r.Host, line, r.Message)
	}
	for i, host := range hosts {
		for _, want := range []string{fmt.Sprintf(`marketd_units_total{state="done"} %d`, done[host]),
			fmt.Sprintf(`marketd_unit_instruments_total{host=%q} %d`, host, 4*done[host])} {
			if !waitMetric(t, daemons[i], want) {
				t.Errorf("%s's /metrics lacks %s: %q", host, want, metricLines(t, daemons[i]))
			}
		}
	}
	for _, stop := range stops {
		if err := stop(); err != nil {
			t.Error(err)
		}
	}
	if st := w.m.Stats(); st.Requests != 40 || st.Violations != 0 {
		t.Errorf("market saw %d requests, %d violations; want 40 (each instrument once), 0", st.Requests, st.Violations)
	}
	w.checkBars()
}

// Three daemons share a collect and its owner dies mid-run (its database
// pool closed: to the others it is gone, and it commits nothing more).
// Once the owner's lease runs out exactly one of the two others takes the
// run over: every unit gets done (the owner's unfinished one redone from
// the watermarks), and that host records the run once, ok, with the sums
// of all units, naming every host that did units and itself as the one
// that took it over; it alone counts the run in its metrics.
func TestOwnerDiesAnotherHostFinishesTheRun(t *testing.T) {
	w := newShareWorld(t, 60)
	ctx := context.Background()
	cfg := loadConfig(t, fmt.Sprintf(baseConfig, "0 30 17 * * MON-FRI"))
	hosts := []string{"host-a", "host-b", "host-c"}
	daemons := map[string]*daemon.Daemon{}
	pools := map[string]*store.Store{}
	stops := map[string]func() error{}
	for _, host := range hosts {
		// 20 requests a second each: the run takes a second or more, and
		// leases of 2s, renewed every 667ms, that no unit of a live host
		// loses on a loaded machine.
		daemons[host], pools[host] = w.daemon(host, cfg, 20, 2*time.Second)
	}
	for _, host := range hosts {
		stops[host] = start(t, daemons[host])
	}
	// Once it has done a unit, the owner (the run's host) dies.
	owner, id := w.ownerAtWork("collect-us")
	pools[owner].Close()

	r := w.waitRun("collect-us")
	if r.ID != id {
		t.Fatalf("run %d recorded, want run %d", r.ID, id)
	}
	sr, _, err := w.st.SharedRunOf(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	adopter := sr.Host
	// Instruments the owner stored before it died are up to date when
	// its unit is redone: skipped, not fetched again.
	if r.Status != store.RunOK || r.OK+r.Skipped != 60 || r.Failed != 0 || sr.Takeovers != 1 || adopter == owner || r.Host != adopter {
		t.Fatalf("run %+v, ownership %+v; want ok, 60 instruments, taken over once from %s by the host it names", r, sr, owner)
	}
	done := w.checkUnits(r, 2)
	var named []string
	for _, h := range hosts {
		if done[h] > 0 {
			named = append(named, fmt.Sprintf("%s (%d)", h, done[h]))
		}
	}
	want := fmt.Sprintf("15 work units, done by %s; recorded by %s, which took the run over from %s",
		strings.Join(named, ", "), adopter, owner)
	if r.Message != want || done[owner] == 0 || len(named) < 2 {
		t.Errorf("message %q\nwant %q (the owner did units before it died, and so did others)", r.Message, want)
	}
	if line := w.finishedLine(adopter, id, 5*time.Second); line == nil || line["message"] != want || line["status"] != store.RunOK || line["job"] != "collect-us" {
		t.Errorf("%s's run finished line %v; want it to name every host: %q", adopter, line, want)
	}
	for _, h := range hosts {
		if h == owner {
			continue
		}
		wantRuns := `marketd_runs_total{job="collect-us",status="ok"} 1`
		got := waitMetric(t, daemons[h], wantRuns)
		if h == adopter && !got || h != adopter && got {
			t.Errorf("%s's /metrics has %s: %v; want it on the host that took the run over (%s) alone", h, wantRuns, got, adopter)
		}
	}
	for _, h := range hosts {
		err := stops[h]()
		if h != owner && err != nil {
			t.Error(err)
		}
	}
	if st := w.m.Stats(); st.Violations != 0 {
		t.Errorf("market saw %d violations", st.Violations)
	}
	w.checkBars()
}

// progressLog keeps the last status a run reported.
type progressLog struct {
	mu              sync.Mutex
	started, last   collector.Status
	updates, finish int
}

func (p *progressLog) Start(st collector.Status) { p.mu.Lock(); p.started = st; p.mu.Unlock() }
func (p *progressLog) Update(st collector.Status) {
	p.mu.Lock()
	p.updates++
	p.mu.Unlock()
}
func (p *progressLog) Finish(st collector.Status) {
	p.mu.Lock()
	p.finish++
	p.last = st
	p.mu.Unlock()
}

// A backfill started with Shared (`marketd backfill --shared`) by a
// process that is no daemon: it splits the backfill into units, and two
// running daemons join it within their poll. Each unit is done once, by
// one of the three; the invoking process works too, reports progress and
// returns once the run is recorded: ok, its counts the sums of the units,
// every host named; every instrument fetched once, its bars from the
// backfill's first date stored.
func TestDaemonsJoinASharedBackfill(t *testing.T) {
	w := newShareWorld(t, 60)
	ctx := context.Background()
	// The daemons' one job finds nothing to do: they only join.
	cfg := loadConfig(t, `http:
  listen: 127.0.0.1:0
schedule:
  jobs:
    - {name: collect-kr, cron: "0 30 20 * * MON-FRI", tz: Asia/Seoul, source: naver, market: XKRX}
`)
	var stops []func() error
	for _, host := range []string{"host-a", "host-b"} {
		d, _ := w.daemon(host, cfg, 20, 30*time.Second)
		stops = append(stops, start(t, d))
	}
	cli, _ := w.collector("cli", w.open(), 20, 30*time.Second)
	from := market.NewDate(2026, time.January, 2)
	progress := &progressLog{}
	s, _, err := cli.Backfill(ctx, collector.BackfillRequest{Filter: collector.Filter{Source: market.SourceYahoo}, From: from,
		Shared: true, Progress: progress})
	for _, stop := range stops {
		if err := stop(); err != nil {
			t.Error(err)
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	r, _, err := w.st.RunByID(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r.Job != collector.JobBackfill || r.Status != store.RunOK || r.OK != 60 || r.Failed != 0 || r.Skipped != 0 || len(r.Results) != 60 {
		t.Fatalf("run %+v; want an ok backfill of 60 instruments, each with its result", r)
	}
	done := w.checkUnits(r, 1)
	want := fmt.Sprintf("15 work units, done by cli (%d), host-a (%d), host-b (%d)", done["cli"], done["host-a"], done["host-b"])
	if done["cli"] == 0 || done["host-a"] == 0 || done["host-b"] == 0 || r.Message != want || s.SharedBy != want {
		t.Errorf("message %q, summary's %q; want %q, every host with units", r.Message, s.SharedBy, want)
	}
	// The clock is stopped: the run took 0s.
	if line := fmt.Sprintf("backfill ok: 60 ok, 0 failed, 0 skipped; rows %d inserted, 0 changed, 0 unchanged; 60 requests, 0 throttled, 0 retries; 0s; %s",
		r.Inserted, want); s.String() != line {
		t.Errorf("summary line\n%s\nwant\n%s", s.String(), line)
	}
	if progress.started.Total != 60 || progress.finish != 1 || progress.last.Done != 60 || progress.last.Total != 60 {
		t.Errorf("progress: started %+v, finished %d times with %+v; want 60 of 60", progress.started, progress.finish, progress.last)
	}
	if st := w.m.Stats(); st.Requests != 60 || st.Violations != 0 {
		t.Errorf("market saw %d requests, %d violations; want 60 (each instrument once), 0", st.Requests, st.Violations)
	}
	cal, _ := calendar.For(market.XNYS)
	to := cal.LastClosed(w.clock())
	for _, in := range w.insts {
		got, err := w.st.Bars(ctx, in.Key, from, to)
		if want := w.m.Bars(in.Source, in.Symbol, from, to); err != nil || len(want) == 0 || len(got) != len(want) {
			t.Errorf("%s: %d bars stored from %s (%v), the market has %d", in.Key, len(got), from, err, len(want))
		}
	}
}

// A daemon that owns a shared collect and is stopped (SIGTERM: its context
// ends) hands the run over instead of recording it interrupted: it
// releases its leases, on the run and on the unit it was working on; the
// other daemon takes the run over at its next look, finishes the units
// (the stopped one's unfinished unit redone) and records the run, ok,
// once. The stopped daemon records nothing and says to whom it left the
// run.
func TestStoppedOwnerHandsTheRunOver(t *testing.T) {
	w := newShareWorld(t, 120)
	ctx := context.Background()
	cfg := loadConfig(t, fmt.Sprintf(baseConfig, "0 30 17 * * MON-FRI"))
	hosts := []string{"host-a", "host-b"}
	daemons := map[string]*daemon.Daemon{}
	stops := map[string]func() error{}
	for _, host := range hosts {
		// Leases of 30s: released, they do not have to run out.
		daemons[host], _ = w.daemon(host, cfg, 20, 30*time.Second)
	}
	for _, host := range hosts {
		stops[host] = start(t, daemons[host])
	}
	owner, id := w.ownerAtWork("collect-us")
	other := hosts[0]
	if other == owner {
		other = hosts[1]
	}
	if err := stops[owner](); err != nil {
		t.Fatalf("stopping the owner: %v", err)
	}
	if runs, err := w.st.Runs(ctx, "collect-us", 1); err != nil || runs[0].Status != store.RunRunning {
		t.Fatalf("once its owner stopped, the run is %+v, %v; want it running, handed over", runs, err)
	}
	units, err := w.st.Units(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range units {
		if u.State == store.UnitClaimed && u.Host == owner && u.LeaseUntil.After(time.Now()) {
			t.Errorf("unit %d is still leased to the stopped owner: %+v", u.Number, u)
		}
	}
	r := w.waitRun("collect-us")
	sr, _, err := w.st.SharedRunOf(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if r.ID != id || r.Status != store.RunOK || r.OK+r.Skipped != 120 || r.Failed != 0 || r.Host != other || sr.Host != other || sr.Takeovers != 1 {
		t.Fatalf("run %+v, ownership %+v; want run %d ok, 120 instruments, taken over once by %s", r, sr, id, other)
	}
	done := w.checkUnits(r, 2)
	want := fmt.Sprintf("30 work units, done by host-a (%d), host-b (%d); recorded by %s, which took the run over from %s",
		done["host-a"], done["host-b"], other, owner)
	if r.Message != want {
		t.Errorf("message %q\nwant %q", r.Message, want)
	}
	if line := w.finishedLine(other, id, 5*time.Second); line == nil || line["message"] != want {
		t.Errorf("%s's run finished line %v; want the message %q", other, line, want)
	}
	if line := w.finishedLine(owner, id, 0); line != nil {
		t.Errorf("the stopped owner logged the run finished: %v", line)
	}
	if logs := w.logs[owner].String(); !strings.Contains(logs, `"msg":"run left to another host, which records its end"`) {
		t.Errorf("the stopped owner's log does not say it left the run to another host:\n%s", logs)
	}
	if err := stops[other](); err != nil {
		t.Error(err)
	}
	if st := w.m.Stats(); st.Violations != 0 {
		t.Errorf("market saw %d violations", st.Violations)
	}
	w.checkBars()
}
