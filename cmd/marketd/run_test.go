package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/marketd/marketd/cmd/marketd/internal/config"
	"github.com/marketd/marketd/cmd/marketd/internal/daemon"
	"github.com/marketd/marketd/collector/schedule"
	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/market/calendar"
	"github.com/marketd/marketd/sources/sourcetest"
	"github.com/marketd/marketd/store"
	"github.com/marketd/marketd/store/storetest"

	"github.com/marketd/marketd/cmd/marketd/internal/cli"
)

// syncBuffer is a log sink the daemon's goroutines and the test share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// eventually polls cond until it holds; wait is never reached when the
// code works.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// daemonConfig is a configuration for the daemon on the database URL
// against the simulated market at url; collectUS is the collect-us job's
// cron expression.
func daemonConfig(database, url, collectUS, naverRate string) string {
	return fmt.Sprintf(`database: %s
http:
  listen: 127.0.0.1:0
sources:
  yahoo: {base_url: %[2]s, rate: unlimited}
  naver: {fchart_url: %[2]s, api_url: %[2]s, polling_url: %[2]s, mobile_url: %[2]s, rate: %[4]s, burst: 50}
collector:
  initial_history: 30d
validate:
  lookback: 10
schedule:
  shutdown_timeout: 5s
  jobs:
    - {name: collect-krx, cron: "0 30 20 * * MON-FRI", tz: Asia/Seoul, source: naver, market: XKRX}
    - {name: collect-us, cron: %[3]q, tz: America/New_York, source: yahoo, market: XNYS}
`, database, url, collectUS, naverRate)
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode, string(body)
}

// testDaemon is a daemon running in the test process.
type testDaemon struct {
	d       *daemon.Daemon
	a       *app
	sigs    chan os.Signal
	done    chan error
	logs    *syncBuffer
	stopped bool
}

// startDaemon runs the daemon on the configuration file cfgPath and waits
// until it is ready; the test's cleanup stops it if the test did not.
func startDaemon(t *testing.T, cfgPath string) *testDaemon {
	t.Helper()
	td := &testDaemon{sigs: make(chan os.Signal, 1), done: make(chan error, 1), logs: &syncBuffer{}}
	td.a = &app{stdout: io.Discard, stderr: td.logs, build: cli.CurrentBuild(version, commit, date), now: time.Now, configPath: cfgPath}
	if err := td.a.setup(); err != nil {
		t.Fatal(err)
	}
	readyc := make(chan *daemon.Daemon, 1)
	go func() {
		td.done <- td.a.runDaemon(context.Background(), td.sigs, func(d *daemon.Daemon) { readyc <- d })
	}()
	t.Cleanup(func() {
		if !td.stopped {
			td.sigs <- syscall.SIGTERM
			<-td.done
		}
		if td.a.store != nil {
			td.a.store.Close()
		}
		if t.Failed() {
			t.Logf("daemon log:\n%s", td.logs.String())
		}
	})
	select {
	case td.d = <-readyc:
	case err := <-td.done:
		td.stopped = true
		t.Fatalf("daemon returned before it was ready: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("daemon not ready after 10s")
	}
	return td
}

// stop sends SIGTERM and returns what the daemon returned.
func (td *testDaemon) stop(t *testing.T) error {
	t.Helper()
	td.sigs <- syscall.SIGTERM
	select {
	case err := <-td.done:
		td.stopped = true
		return err
	case <-time.After(20 * time.Second):
		t.Fatal("daemon still running 20s after SIGTERM")
	}
	return nil
}

var testInstruments = []market.Instrument{
	{Key: market.Key{Source: market.SourceYahoo, Symbol: "AAPL"}, Market: market.XNYS, Active: true},
	{Key: market.Key{Source: market.SourceYahoo, Symbol: "MSFT"}, Market: market.XNYS, Active: true},
	{Key: market.Key{Source: market.SourceNaver, Symbol: "005930"}, Market: market.XKRX, Board: "KOSPI", Active: true},
	{Key: market.Key{Source: market.SourceNaver, Symbol: "000660"}, Market: market.XKRX, Board: "KOSPI", Active: true},
	{Key: market.Key{Source: market.SourceNaver, Symbol: "247540"}, Market: market.XKRX, Board: "KOSDAQ", Active: true},
}

// simulated starts a market serving testInstruments' symbols (and nothing
// else) with faults.
func simulated(t *testing.T, faults map[string]sourcetest.Fault) (*sourcetest.Market, string) {
	sim := sourcetest.New(sourcetest.Options{OnlyListed: true, Faults: faults, Symbols: []sourcetest.Symbol{
		{Symbol: "AAPL"}, {Symbol: "MSFT"}, {Symbol: "005930"}, {Symbol: "000660"}, {Symbol: "247540", Board: "KOSDAQ"},
	}})
	url, stop := sim.Start()
	t.Cleanup(stop)
	return sim, url
}

// The daemon end to end, in-process: catch-up collects both markets at
// start, the endpoints answer, SIGHUP with a bad file keeps the running
// configuration and with a good one swaps it, SIGTERM stops it cleanly.
func TestRunDaemon(t *testing.T) {
	sim, url := simulated(t, nil)
	dir := t.TempDir()
	t.Chdir(dir)
	dbPath := filepath.Join(dir, "marketd.db")
	cfgPath := filepath.Join(dir, "marketd.yaml")
	if err := os.WriteFile(cfgPath, []byte(daemonConfig("sqlite:"+dbPath, url, "0 30 17 * * MON-FRI", "unlimited")), 0o600); err != nil {
		t.Fatal(err)
	}
	insts := testInstruments
	seed(t, dbPath, insts, nil)
	td := startDaemon(t, cfgPath)
	d, a, sigs, logs := td.d, td.a, td.sigs, td.logs
	ctx := context.Background()
	st := a.store

	// Catch-up: an empty run log means every job missed its last slot, so
	// each runs once at start and brings its instruments up to date.
	host, _ := os.Hostname()
	for _, job := range []struct {
		name, source, mic string
		ok                int
	}{{"collect-krx", market.SourceNaver, market.XKRX, 3}, {"collect-us", market.SourceYahoo, market.XNYS, 2}} {
		var runs []store.Run
		eventually(t, job.name+" catch-up run", func() bool {
			var err error
			runs, err = st.Runs(ctx, job.name, 10)
			if err != nil {
				t.Fatal(err)
			}
			return len(runs) > 0 && runs[0].Status != store.RunRunning
		})
		r := runs[0]
		if len(runs) != 1 || r.Status != store.RunOK || r.OK != job.ok || r.Failed != 0 || r.Host != host {
			t.Fatalf("%s: %d runs, first %+v; want one ok run of %d instruments on %s", job.name, len(runs), r, job.ok, host)
		}
		cal, err := calendar.For(job.mic)
		if err != nil {
			t.Fatal(err)
		}
		to := cal.LastClosed(r.Started)
		from := config.Span{Days: 30}.Before(to)
		stored := 0
		for _, in := range insts {
			if in.Source != job.source {
				continue
			}
			got, err := st.Bars(ctx, in.Key, from, to)
			if err != nil {
				t.Fatal(err)
			}
			want := sim.Bars(in.Source, in.Symbol, from, to)
			if len(want) == 0 || len(got) != len(want) || got[0].Date != want[0].Date || got[len(got)-1].Date != want[len(want)-1].Date {
				t.Errorf("%s: %s: stored %d bars, the market has %d from %s to %s", job.name, in.Key, len(got), len(want), from, to)
			}
			stored += len(got)
		}
		if r.Inserted != stored {
			t.Errorf("%s: run says %d inserted, %d bars stored", job.name, r.Inserted, stored)
		}
	}

	// The run log was empty: the catch-up says so in words.
	if want := `"msg":"catching up",[^\n]*"job":"collect-krx",[^\n]*"last_success":"never"`; !regexpMatch(want, logs.String()) {
		t.Errorf("no catch-up log line matches %s", want)
	}
	base := "http://" + d.Addr()
	if code, body := httpGet(t, base+"/healthz"); code != http.StatusOK || body != "ok\n" {
		t.Errorf("/healthz = %d %q", code, body)
	}
	if code, body := httpGet(t, base+"/readyz"); code != http.StatusOK || body != "ok\n" {
		t.Errorf("/readyz = %d %q", code, body)
	}
	simHost := strings.TrimPrefix(url, "http://")
	wantMetrics := []string{
		`marketd_runs_total{job="collect-krx",status="ok"} 1`,
		`marketd_runs_total{job="collect-us",status="ok"} 1`,
		`marketd_http_responses_total{host="` + simHost + `",source="naver",status="200"}`,
		`marketd_http_responses_total{host="` + simHost + `",source="yahoo",status="200"} 2`,
		`marketd_instruments_behind{source="naver"} 0`,
		`marketd_instruments_behind{source="yahoo"} 0`,
		`marketd_last_success_timestamp_seconds{job="collect-krx"}`,
	}
	// The run is in the store a moment before the metrics hear of it.
	var metrics string
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, metrics = httpGet(t, base+"/metrics")
		missing := 0
		for _, want := range wantMetrics {
			if !strings.Contains(metrics, want) {
				missing++
			}
		}
		if missing == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, want := range wantMetrics {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	// The validate job over what was just collected: nothing to report.
	run := &store.Run{Job: schedule.JobValidate, Status: store.RunRunning}
	if err := d.RunJob(ctx, schedule.JobSpec{Name: schedule.JobValidate}, run); err != nil {
		t.Fatalf("validate job: %v", err)
	}
	if run.Status != store.RunRunning || run.Message != "" {
		t.Errorf("validate job left status %q, message %q; want it clean", run.Status, run.Message)
	}

	// An instrument the market no longer has, its last bar months old:
	// self-repair cannot fill it, so the validate run is partial, with the
	// report's subject as its message.
	gone := market.Key{Source: market.SourceNaver, Symbol: "123456"}
	if _, err := st.AddInstruments(ctx, []market.Instrument{{Key: gone, Market: market.XKRX, Board: "KOSPI", Active: true}}); err != nil {
		t.Fatal(err)
	}
	last := market.NewDate(2026, 1, 5)
	if _, err := st.Write(ctx, []store.Write{{Key: gone, Bars: []market.Bar{{Date: last, Close: dec("1000")}}, Watermark: last}}); err != nil {
		t.Fatal(err)
	}
	run = &store.Run{Job: schedule.JobValidate, Status: store.RunRunning}
	if err := d.RunJob(ctx, schedule.JobSpec{Name: schedule.JobValidate}, run); err != nil {
		t.Fatalf("validate job: %v", err)
	}
	if want := "marketd: 1 stale — XKRX, XNYS (" + time.Now().UTC().Format(time.DateOnly) + ")"; run.Status != store.RunProblems || run.Message != want {
		t.Errorf("validate job with a stale instrument: status %q, message %q; want problems, %q", run.Status, run.Message, want)
	}

	// SIGHUP with an invalid file: rejected, the running jobs stay.
	jobsBefore := fmt.Sprint(d.Jobs())
	cfgBefore := fmt.Sprintf("%+v", d.Config())
	if err := os.WriteFile(cfgPath, []byte(daemonConfig("sqlite:"+dbPath, url, "0 99 17 * * MON-FRI", "unlimited")), 0o600); err != nil {
		t.Fatal(err)
	}
	sigs <- syscall.SIGHUP
	eventually(t, "the reload to be rejected", func() bool {
		return strings.Contains(logs.String(), `"msg":"configuration reload rejected; keeping the running one"`)
	})
	if !strings.Contains(logs.String(), "schedule.jobs[1]") {
		t.Errorf("the rejection does not name the bad key: %s", logs.String())
	}
	if got := fmt.Sprint(d.Jobs()); got != jobsBefore || fmt.Sprintf("%+v", d.Config()) != cfgBefore || !d.Running() {
		t.Errorf("after a rejected reload: jobs %s (want %s), configuration swapped %t, running %t",
			got, jobsBefore, fmt.Sprintf("%+v", d.Config()) != cfgBefore, d.Running())
	}

	// SIGHUP with a valid, changed file: the new schedule and rates apply.
	if err := os.WriteFile(cfgPath, []byte(daemonConfig("sqlite:"+dbPath, url, "0 0 18 * * MON-FRI", "5/s")), 0o600); err != nil {
		t.Fatal(err)
	}
	sigs <- syscall.SIGHUP
	eventually(t, "the reload", func() bool { return strings.Contains(logs.String(), `"msg":"configuration reloaded"`) })
	var cron string
	for _, j := range d.Jobs() {
		if j.Name == "collect-us" {
			cron = j.Cron
		}
	}
	if rate := d.Config().Sources.Naver.Rate; cron != "0 0 18 * * MON-FRI" || rate != "5/s" {
		t.Errorf("after reload: collect-us cron %q, naver rate %q", cron, rate)
	}
	if code, _ := httpGet(t, base+"/readyz"); code != http.StatusOK {
		t.Errorf("/readyz after reload = %d", code)
	}

	// SIGTERM: a clean stop, exit 0.
	if err := td.stop(t); err != nil {
		t.Fatalf("runDaemon after SIGTERM: %v", err)
	}
	if d.Running() {
		t.Error("scheduler still running after SIGTERM")
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Error("HTTP server still answering after SIGTERM")
	}
	if !strings.Contains(logs.String(), `"msg":"marketd stopped"`) {
		t.Error("no stop line in the log")
	}
	if runs, err := st.Runs(ctx, "collect-krx", 10); err != nil || len(runs) != 1 {
		t.Errorf("collect-krx ran %d times (err %v), want once", len(runs), err)
	}
}

func TestRunAndImportHelp(t *testing.T) {
	for _, args := range [][]string{{"run", "--help"}, {"symbols", "import", "--help"}} {
		t.Chdir(t.TempDir())
		r := marketd(t, nil, args...)
		if r.code != cli.ExitOK || !strings.Contains(r.stdout, "Examples:\n  marketd ") {
			t.Errorf("marketd %s: exit %d, no Examples section in %q", strings.Join(args, " "), r.code, r.stdout)
		}
	}
}

// SIGTERM while jobs run: they get schedule.shutdown_timeout to finish,
// then are cancelled and recorded interrupted, and the daemon still exits
// cleanly.
func TestRunDaemonInterruptsRunningJobs(t *testing.T) {
	slow := sourcetest.Fault{Latency: 5 * time.Second}
	_, url := simulated(t, map[string]sourcetest.Fault{"naver": slow, "yahoo": slow})
	dir := t.TempDir()
	t.Chdir(dir)
	dbPath := filepath.Join(dir, "marketd.db")
	cfgPath := filepath.Join(dir, "marketd.yaml")
	cfg := strings.Replace(daemonConfig("sqlite:"+dbPath, url, "0 30 17 * * MON-FRI", "unlimited"), "shutdown_timeout: 5s", "shutdown_timeout: 500ms", 1)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	seed(t, dbPath, testInstruments, nil)
	td := startDaemon(t, cfgPath)
	ctx := context.Background()
	jobs := []string{"collect-krx", "collect-us"}
	for _, job := range jobs {
		eventually(t, job+" to start", func() bool {
			runs, err := td.a.store.Runs(ctx, job, 10)
			return err == nil && len(runs) == 1 && runs[0].Status == store.RunRunning
		})
	}
	if err := td.stop(t); err != nil {
		t.Fatalf("runDaemon after SIGTERM: %v", err)
	}
	for _, job := range jobs {
		runs, err := td.a.store.Runs(ctx, job, 10)
		if err != nil || len(runs) != 1 || runs[0].Status != store.RunInterrupted || runs[0].Finished.IsZero() {
			t.Errorf("%s after SIGTERM: %+v, %v; want one interrupted run", job, runs, err)
			continue
		}
		// Nobody runs a daemon's job again by hand: the message says what does.
		if got, want := runs[0].Message, "interrupted; the next scheduled run (or the catch-up at start-up) resumes from the watermarks"; got != want {
			t.Errorf("%s after SIGTERM: message %q, want %q", job, got, want)
		}
	}
	if !strings.Contains(td.logs.String(), `"msg":"shutdown timeout: cancelling running jobs"`) {
		t.Error("the log does not say running jobs were cancelled")
	}
	// A clean stop is no error: the interrupted runs are warnings.
	for _, job := range jobs {
		if want := `"level":"WARN","msg":"run finished",[^\n]*"job":"` + job + `","status":"interrupted"`; !regexpMatch(want, td.logs.String()) {
			t.Errorf("no log line matches %s", want)
		}
	}
}

// Two daemons on one MySQL database in leader mode: each missed slot is
// caught up once, one daemon holds the leader lock, and when it stops the
// other takes the lock over.
func TestRunDaemonLeaderMySQL(t *testing.T) {
	raw := storetest.FreshMySQLURL(t) // skips locally, fails under CI=true, when no server answers
	_, url := simulated(t, nil)
	dir := t.TempDir()
	t.Chdir(dir)
	cfgPath := filepath.Join(dir, "marketd.yaml")
	cfg := strings.Replace(daemonConfig(raw, url, "0 30 17 * * MON-FRI", "unlimited"),
		"  shutdown_timeout: 5s\n", "  shutdown_timeout: 5s\n  leader_election: true\n  leader_check: 200ms\n", 1)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"MARKETD_DATABASE=" + raw}
	for _, args := range [][]string{
		{"symbols", "add", "--source", "yahoo", "AAPL", "MSFT"},
		{"symbols", "add", "--source", "naver", "--market", "KOSPI", "005930", "000660"},
		{"symbols", "add", "--source", "naver", "--market", "KOSDAQ", "247540"},
	} {
		if r := marketd(t, env, args...); r.code != cli.ExitOK {
			t.Fatalf("marketd %s: %d %s", strings.Join(args, " "), r.code, r.stderr)
		}
	}

	daemons := []*testDaemon{startDaemon(t, cfgPath), startDaemon(t, cfgPath)}
	ctx := context.Background()
	st := daemons[0].a.store
	for _, job := range []struct {
		name string
		ok   int
	}{{"collect-krx", 3}, {"collect-us", 2}} {
		var runs []store.Run
		eventually(t, job.name+" catch-up run", func() bool {
			var err error
			runs, err = st.Runs(ctx, job.name, 10)
			return err == nil && len(runs) > 0 && runs[0].Status != store.RunRunning
		})
		if len(runs) != 1 || runs[0].Status != store.RunOK || runs[0].OK != job.ok {
			t.Fatalf("%s: %+v; want one ok run of %d instruments", job.name, runs, job.ok)
		}
	}

	holder, held, err := daemons[0].d.Leader().Holder(ctx)
	if err != nil || !held {
		t.Fatalf("nobody holds the leader lock: %v", err)
	}
	// IsLeader on the holder is a no-op; on the other it fails to take the lock.
	lead, other := -1, -1
	for i, td := range daemons {
		if td.d.Leader().IsLeader(ctx) == nil {
			lead = i
		} else {
			other = i
		}
	}
	if lead < 0 || other < 0 {
		t.Fatalf("want exactly one leader; leader %d, other %d", lead, other)
	}
	if err := daemons[lead].stop(t); err != nil {
		t.Fatalf("stopping the leader: %v", err)
	}
	eventually(t, "the other daemon to take the leader lock", func() bool {
		id, ok, err := daemons[other].d.Leader().Holder(ctx)
		return err == nil && ok && id != holder
	})
	if !daemons[other].d.Running() {
		t.Error("the remaining daemon stopped")
	}
	for _, job := range []string{"collect-krx", "collect-us"} {
		if runs, err := daemons[other].a.store.Runs(ctx, job, 10); err != nil || len(runs) != 1 {
			t.Errorf("%s ran %d times (err %v), want once", job, len(runs), err)
		}
	}
}

// A second daemon on the SQLite file of a running one refuses to start,
// saying which process holds it: two ran every slot twice.
func TestSecondDaemonOnSQLiteRefuses(t *testing.T) {
	_, url := simulated(t, nil)
	dir := t.TempDir()
	t.Chdir(dir)
	dbPath := filepath.Join(dir, "marketd.db")
	cfgPath := filepath.Join(dir, "marketd.yaml")
	if err := os.WriteFile(cfgPath, []byte(daemonConfig("sqlite:"+dbPath, url, "0 30 17 * * MON-FRI", "unlimited")), 0o600); err != nil {
		t.Fatal(err)
	}
	seed(t, dbPath, testInstruments, nil)
	startDaemon(t, cfgPath)
	r := marketd(t, nil, "--config", cfgPath, "run")
	want := fmt.Sprintf("marketd: sqlite: database in use by another daemon: process %d already runs the daemon on %s", os.Getpid(), dbPath)
	if r.code != cli.ExitRuntime || !strings.HasPrefix(r.stderr, want) {
		t.Fatalf("second daemon: exit %d, stderr %q; want exit %d starting %q", r.code, r.stderr, cli.ExitRuntime, want)
	}
}
