package daemon_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/marketd/marketd/cmd/marketd/internal/config"
	"github.com/marketd/marketd/cmd/marketd/internal/daemon"
	"github.com/marketd/marketd/collector"
	"github.com/marketd/marketd/collector/schedule"
	"github.com/marketd/marketd/sources/httpx"
	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/market/calendar"
	"github.com/marketd/marketd/store"
	"github.com/marketd/marketd/store/sqlite"
	"github.com/marketd/marketd/validate"
)

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

// noSource is a source nothing is ever asked of: the store has no
// instruments.
type noSource struct{}

func (noSource) Fetch(context.Context, market.Instrument, market.Date, market.Date) (market.Series, error) {
	return market.Series{}, errors.New("no instrument should be fetched")
}

func loadConfig(t *testing.T, yaml string) config.Config {
	t.Helper()
	path := filepath.Join(t.TempDir(), "marketd.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(config.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// openStore opens a migrated SQLite store in a temporary directory.
func openStore(t *testing.T) *store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "marketd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return st
}

// generations builds each configuration's jobs on st: a Yahoo collector
// that finds no instrument, and a validation returning what validateFn does.
func generations(st *store.Store, validateFn func(context.Context) (*validate.Report, error)) func(context.Context, config.Config) (*daemon.Generation, error) {
	return func(_ context.Context, cfg config.Config) (*daemon.Generation, error) {
		cals := calendar.NewBook(nil, nil)
		pool := httpx.NewPool(cfg.Sources.Yahoo.HTTPX(), nil)
		c, err := collector.New(collector.Config{}, collector.Deps{
			Sources: map[string]collector.Source{market.SourceYahoo: noSource{}},
			Store:   st,
			Calendars: func(ctx context.Context, code string) (collector.Calendar, error) {
				return cals.For(ctx, code)
			},
			Log: slog.New(slog.DiscardHandler),
		})
		if err != nil {
			return nil, err
		}
		return &daemon.Generation{Config: cfg, Collector: c, Calendars: cals,
			Pools: map[string]*httpx.Pool{market.SourceYahoo: pool}, Validate: validateFn}, nil
	}
}

// start runs d once it is ready; stop ends it and returns Run's result,
// or an error when Run is still running 20s later.
func start(t *testing.T, d *daemon.Daemon) (stop func() error) {
	t.Helper()
	runCtx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	done := make(chan error, 1)
	go func() { done <- d.Run(runCtx) }()
	select {
	case <-d.Ready():
	case err := <-done:
		t.Fatalf("Run returned before it was ready: %v", err)
	}
	return func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(20 * time.Second):
			return errors.New("Run still running 20s after its context ended")
		}
	}
}

const baseConfig = `http:
  listen: 127.0.0.1:0
schedule:
  shutdown_timeout: 2s
  jobs:
    - {name: collect-us, cron: %q, tz: America/New_York, source: yahoo, market: XNYS}
`

// The daemon through its own API: it builds its jobs from the generation
// it is handed, catches up a missed slot, serves its endpoints, runs a
// validation job into the run record, takes a reload or refuses a bad one
// whole, and stops when its context ends.
func TestDaemonLifecycle(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	report := &validate.Report{Markets: []validate.MarketSummary{{Market: market.XNYS, GapSessions: 2}},
		Problems: []validate.Problem{
			{Kind: validate.KindGap, Market: market.XNYS, Key: market.Key{Source: market.SourceYahoo, Symbol: "AAPL"},
				From: 20261005, To: 20261006, Sessions: 2, Detail: "missing"},
			{Kind: validate.KindStale, Market: market.XNYS, Key: market.Key{Source: market.SourceYahoo, Symbol: "AAPL"},
				From: 20261008, To: 20261009, Sessions: 2, Detail: "latest bar is 2026-10-07"},
			{Kind: validate.KindDeadMan, Job: "collect-us", Detail: "has not succeeded since 2026-10-01"},
		}}
	builds := 0
	gen := generations(st, func(context.Context) (*validate.Report, error) { return report, nil })
	build := func(ctx context.Context, cfg config.Config) (*daemon.Generation, error) {
		builds++
		return gen(ctx, cfg)
	}
	logs := &syncBuffer{}
	d, err := daemon.New(ctx, loadConfig(t, fmt.Sprintf(baseConfig, "0 30 17 * * MON-FRI")), daemon.Deps{
		Store: st, Build: build, Log: slog.New(slog.NewJSONHandler(logs, nil)), Host: "test-host", Version: "test",
	})
	if err != nil {
		t.Fatal(err)
	}
	stop := start(t, d)

	// Catch-up: the empty run log means the job missed its last slot.
	var runs []store.Run
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if runs, err = st.Runs(ctx, "collect-us", 10); err != nil {
			t.Fatal(err)
		}
		if len(runs) > 0 && runs[0].Status != store.RunRunning || time.Now().After(deadline) {
			break
		}
	}
	if len(runs) != 1 || runs[0].Status != store.RunOK || runs[0].Host != "test-host" ||
		runs[0].Message != "no active instruments for source yahoo on market XNYS" {
		t.Fatalf("catch-up runs: %+v; want one ok run on test-host saying it had no instruments", runs)
	}

	resp, err := http.Get("http://" + d.Addr() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != "ok\n" {
		t.Errorf("/healthz = %d %q", resp.StatusCode, body)
	}

	// The validate job: problems left make the run partial, with the
	// report's subject, and feed the gaps metric.
	run := &store.Run{Job: schedule.JobValidate, Status: store.RunRunning}
	if err := st.StartRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	if err := d.RunJob(ctx, schedule.JobSpec{Name: schedule.JobValidate}, run); err != nil {
		t.Fatal(err)
	}
	// Two problems of one instrument are one result: the run log keeps
	// one row per instrument, and the record must go in.
	if err := st.FinishRun(ctx, run); err != nil {
		t.Fatalf("recording the validate run: %v", err)
	}
	if run.Status != store.RunProblems || run.Message != report.Subject() {
		t.Errorf("validate job: status %q, message %q; want problems, %q", run.Status, run.Message, report.Subject())
	}
	if want := "[{yahoo:AAPL problems 2026-10-05 2026-10-09 4 gap: yahoo AAPL 2026-10-05..2026-10-06: missing; " +
		"stale: yahoo AAPL 2026-10-08..2026-10-09: latest bar is 2026-10-07} " +
		"{: problems   0 job not succeeding: collect-us: has not succeeded since 2026-10-01}]"; fmt.Sprint(run.Results) != want {
		t.Errorf("validate job's results: %v, want %s", run.Results, want)
	}
	// Email is off: the log names each problem, not only the subject.
	if want := `"msg":"validate: problem","kind":"gap","who":"yahoo AAPL","dates":"2026-10-05..2026-10-06","detail":"missing"`; !strings.Contains(logs.String(), want) {
		t.Errorf("the log lacks %s:\n%s", want, logs.String())
	}
	resp, err = http.Get("http://" + d.Addr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if want := `marketd_open_gaps{market="XNYS"} 2`; !strings.Contains(string(body), want) {
		t.Errorf("/metrics lacks %s", want)
	}

	// A bad job set is refused whole; a good one swaps jobs and config.
	if err := d.Reload(ctx, loadConfig(t, fmt.Sprintf(baseConfig, "0 0 18 * * MON-FRI"))); err != nil {
		t.Fatal(err)
	}
	bad := loadConfig(t, fmt.Sprintf(baseConfig, "0 0 19 * * MON-FRI"))
	bad.Schedule.Jobs[0].Cron = "0 99 19 * * MON-FRI"
	if err := d.Reload(ctx, bad); !errors.Is(err, schedule.ErrInvalidJob) {
		t.Errorf("reload of an invalid cron: %v, want ErrInvalidJob", err)
	}
	if jobs := d.Jobs(); len(jobs) != 1 || jobs[0].Cron != "0 0 18 * * MON-FRI" || builds != 3 {
		t.Errorf("after a good and a bad reload: jobs %+v, %d builds; want the good cron, 3 builds", jobs, builds)
	}
	if d.Config().Schedule.Jobs[0].Cron != "0 0 18 * * MON-FRI" {
		t.Errorf("configuration in force: %+v", d.Config().Schedule.Jobs)
	}

	if err := stop(); err != nil {
		t.Fatalf("Run after its context ended: %v", err)
	}
	if d.Running() {
		t.Error("scheduler still running")
	}
	if !strings.Contains(logs.String(), `"msg":"marketd stopped"`) {
		t.Errorf("no stop line in the log:\n%s", logs.String())
	}
}
