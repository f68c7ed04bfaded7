package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/marketd/marketd/cmd/marketd/internal/config"
	"github.com/marketd/marketd/cmd/marketd/internal/observe"
	"github.com/marketd/marketd/collector"
	"github.com/marketd/marketd/collector/schedule"
	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
	"github.com/marketd/marketd/store/mysql"
	"github.com/marketd/marketd/store/sqlite"
)

func newRunCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "run",
		Short: "Run the daemon: scheduled collection and validation, health and metrics",
		Long: `run is the long-running daemon. It runs the jobs of schedule.jobs on their cron
schedules in their markets' time zones (a job named "validate" validates, the others
collect their source and market), catches up at start any job that missed its last
slot, and serves /healthz, /readyz and /metrics on http.listen.

Signals: SIGTERM or SIGINT stops taking jobs, lets a running job finish for up to
schedule.shutdown_timeout (then cancels it and records it interrupted) and exits 0.
SIGHUP reloads the configuration (symbols, rates, schedules, validation, email); an
invalid one is logged and the running one kept. database, http.listen and the
schedule.leader_*/shutdown_timeout settings take effect on restart.

Several daemons may share one MySQL database: each scheduled slot runs once.`,
		Example: `  marketd run
  marketd --config /etc/marketd/marketd.yaml run
  kill -HUP "$(pidof marketd)"    # reload the configuration`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			sigs := make(chan os.Signal, 4)
			signal.Notify(sigs, syscall.SIGHUP, syscall.SIGTERM, os.Interrupt)
			defer signal.Stop(sigs)
			return a.runDaemon(cmd.Context(), sigs, nil)
		},
	}
}

// httpShutdownTimeout bounds how long in-flight scrapes and probes may take
// once the daemon stops.
const httpShutdownTimeout = 5 * time.Second

// daemon is `marketd run` while it runs: the store, metrics and scheduler
// of the process, and the configuration in force.
type daemon struct {
	base *app // the process as started: flags, output, the store
	st   *store.Store
	m    *observe.Metrics
	s    *schedule.Scheduler
	log  *slog.Logger
	addr string // the HTTP listener's address; "" when http.listen is empty
	// leader is the leader lock in leader mode (schedule.leader_election).
	leader *mysql.Leader

	mu  sync.Mutex
	gen *app // the configuration in force and its HTTP pools
}

// current returns the configuration in force.
func (d *daemon) current() *app {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.gen
}

// runDaemon runs the scheduler until ctx ends or sigs delivers SIGTERM or
// SIGINT, reloading the configuration on SIGHUP. ready, when set, is called
// once the scheduler runs (tests drive the daemon through it). A clean stop
// returns nil.
func (a *app) runDaemon(ctx context.Context, sigs <-chan os.Signal, ready func(*daemon)) error {
	if a.cfg.Database.Scheme() == config.SchemeSQLite {
		unlock, err := sqlite.LockDaemon(a.cfg.Database.SQLitePath())
		if err != nil {
			return err
		}
		defer unlock()
	}
	st, err := a.openStore(ctx, true)
	if err != nil {
		return err
	}
	a.sourcePools() // before any job can run: jobs only read them
	d := &daemon{base: a, st: st, log: a.log, gen: a, m: observe.NewMetrics(statsSources(a.pools))}

	jobs, err := d.jobs(ctx, a)
	if err != nil {
		return usageError{err}
	}
	var ln net.Listener
	if listen := a.cfg.HTTP.Listen; listen != "" {
		if ln, err = net.Listen("tcp", listen); err != nil {
			return fmt.Errorf("http.listen: %w", err)
		}
		defer ln.Close() // Serve closes it too; this covers the early returns
	}

	leaderDone := make(chan struct{})
	close(leaderDone)
	leaderCtx, stopLeader := context.WithCancel(context.WithoutCancel(ctx))
	defer stopLeader()
	sc := a.cfg.Schedule
	host, err := os.Hostname()
	if err != nil {
		return fmt.Errorf("host name: %w", err)
	}
	cfg := schedule.Config{
		Store: st,
		// A fresh lookup per run, so a `marketd calendar close` made while
		// the daemon runs is seen by its next run.
		Calendars:       func(code string) (schedule.Calendar, error) { return d.current().calendars(st)(code) },
		Host:            host,
		ShutdownTimeout: sc.ShutdownTimeout,
		OnRunFinished:   d.runFinished,
		Logger:          a.log,
	}
	if sc.LeaderElection {
		d.leader = mysql.NewLeader(st.DB(), "marketd", sc.LeaderCheck, a.log)
		cfg.Elector = d.leader
		leaderDone = make(chan struct{})
		go func() {
			defer close(leaderDone)
			d.leader.Run(leaderCtx) // releases the lock when leaderCtx ends
		}()
	}
	d.s, err = schedule.New(cfg, jobs)
	if err != nil {
		stopLeader()
		<-leaderDone
		return usageError{err}
	}
	d.seedLastSuccess(ctx)
	d.updateBehind(ctx)

	var srv *http.Server
	srvErr := make(chan error, 1)
	if ln != nil {
		srv, ln = observe.NewServer(ln, observe.Handler(d.m, st, d.s), observe.Limits{}, slog.NewLogLogger(a.log.Handler(), slog.LevelWarn))
		d.addr = ln.Addr().String()
		go func() { srvErr <- srv.Serve(ln) }()
	}
	if err := d.s.Start(ctx); err != nil {
		return d.stop(srv, stopLeader, leaderDone, err)
	}
	a.log.Info("marketd running", "version", a.build.Version, "host", host, "database", a.databaseName(),
		"http", d.addr, "leader_election", sc.LeaderElection)
	if ready != nil {
		ready(d)
	}

	for {
		select {
		case <-ctx.Done():
			a.log.Info("stopping", "reason", context.Cause(ctx))
			return d.stop(srv, stopLeader, leaderDone, nil)
		case err := <-srvErr:
			return d.stop(nil, stopLeader, leaderDone, fmt.Errorf("http server on %s: %w", d.addr, err))
		case sig := <-sigs:
			if sig == syscall.SIGHUP {
				d.reload(ctx)
				continue
			}
			a.log.Info("stopping", "signal", sig.String())
			return d.stop(srv, stopLeader, leaderDone, nil)
		}
	}
}

// stop stops the scheduler (bounded by schedule.shutdown_timeout), then the
// HTTP server, then releases the leader lock, and returns cause or the
// first error met.
func (d *daemon) stop(srv *http.Server, stopLeader context.CancelFunc, leaderDone <-chan struct{}, cause error) error {
	errs := []error{cause}
	if err := d.s.Stop(); err != nil {
		errs = append(errs, err)
	}
	if srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), httpShutdownTimeout)
		if err := srv.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("http server: %w", err))
		}
		cancel()
	}
	stopLeader()
	<-leaderDone
	err := errors.Join(errs...)
	if err != nil {
		d.log.Error("marketd stopped", "err", d.base.redact(err))
		return err
	}
	d.log.Info("marketd stopped")
	return nil
}

// jobs builds the scheduled jobs of configuration g: the validate job
// validates, every other job collects its source and market.
func (d *daemon) jobs(ctx context.Context, g *app) ([]schedule.Job, error) {
	c, err := g.newCollector(ctx)
	if err != nil {
		return nil, err
	}
	jobs := make([]schedule.Job, 0, len(g.cfg.Schedule.Jobs))
	for _, spec := range g.cfg.Schedule.Jobs {
		run := d.collectRunner(g, c)
		if spec.Name == jobValidate {
			run = d.validateRunner(g)
		}
		jobs = append(jobs, schedule.Job{Spec: spec, Run: run})
	}
	return jobs, nil
}

// collectRunner collects the job's source and market into the scheduler's
// run record. Failed instruments are in the record (partial or failed), not
// the error.
func (d *daemon) collectRunner(g *app, c *collector.Collector) schedule.Runner {
	return func(ctx context.Context, spec schedule.JobSpec, run *store.Run) error {
		s, err := c.Collect(ctx, collector.CollectRequest{
			Filter: collector.Filter{Source: spec.Source, Market: spec.Market},
			Job:    spec.Name,
			Run:    run,
		})
		if err != nil {
			return g.redact(err)
		}
		// Nothing to collect is not a failure (a fresh install before
		// symbols import), but the run log must say so: "ok, 0" alone
		// reads as success.
		if len(s.Results) == 0 && run.Message == "" {
			run.Message = "no active instruments"
			if spec.Source != "" {
				run.Message += " for source " + spec.Source
			}
			if spec.Market != "" {
				run.Message += " on market " + spec.Market
			}
		}
		return nil
	}
}

// validateRunner validates, repairs within the budget and mails the report,
// as `marketd validate` does. Problems left make the run partial, with the
// report's subject as its message.
func (d *daemon) validateRunner(g *app) schedule.Runner {
	return func(ctx context.Context, spec schedule.JobSpec, run *store.Run) error {
		rep, err := g.validateOnce(ctx, validation{lookback: g.cfg.Validate.Lookback, repair: true, email: true})
		if rep != nil {
			gaps := map[string]int{}
			for _, ms := range rep.Markets {
				gaps[ms.Market] += ms.GapSessions
			}
			for mic, n := range gaps {
				d.m.SetGaps(mic, n)
			}
		}
		if err != nil {
			return g.redact(err)
		}
		if !rep.Clean() {
			run.Status = store.RunPartial
			run.Message = rep.Subject()
		}
		return nil
	}
}

// runFinished feeds a recorded run to the metrics and, after a collection,
// recounts the instruments behind.
func (d *daemon) runFinished(r store.Run) {
	d.m.ObserveRun(r)
	if r.Job != jobValidate && r.Status != store.RunClosed {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		d.updateBehind(ctx)
	}
}

// seedLastSuccess sets each job's last-success metric from the run log, so
// a restart does not read as "never succeeded".
func (d *daemon) seedLastSuccess(ctx context.Context) {
	for _, spec := range d.current().cfg.Schedule.Jobs {
		t, ok, err := d.st.LastSuccess(ctx, spec.Name)
		if err != nil {
			d.log.Warn("cannot read last success", "job", spec.Name, "err", err)
			continue
		}
		if ok {
			d.m.SetLastSuccess(spec.Name, t.Unix())
		}
	}
}

// updateBehind counts, per source, the active instruments whose watermark
// is before their market's last closed session.
func (d *daemon) updateBehind(ctx context.Context) {
	g := d.current()
	cals := g.calendars(d.st)
	now := g.now()
	for _, src := range []string{market.SourceYahoo, market.SourceNaver} {
		insts, err := d.st.Instruments(ctx, store.InstrumentFilter{Source: src, ActiveOnly: true})
		if err != nil {
			d.log.Warn("cannot count instruments behind", "source", src, "err", err)
			return
		}
		wm, err := d.st.Watermarks(ctx, src)
		if err != nil {
			d.log.Warn("cannot count instruments behind", "source", src, "err", err)
			return
		}
		n := 0
		for _, in := range insts {
			cal, err := cals(in.Market)
			if err != nil {
				continue // no market: nothing the collector would fetch either
			}
			if wm[in.Key] < cal.LastClosed(now) {
				n++
			}
		}
		d.m.SetBehind(src, n)
	}
}

// reload loads the configuration again the way start-up did (same file,
// environment and flags) and swaps in its jobs and pools. Anything wrong
// leaves the running configuration in place.
func (d *daemon) reload(ctx context.Context) {
	next := *d.base
	next.pools = nil
	if err := next.setup(); err != nil {
		d.log.Error("configuration reload rejected; keeping the running one", "err", d.base.redact(err))
		return
	}
	// The scheduler keeps the logger it started with: one level for all.
	next.log = d.log
	cur := d.current()
	for _, k := range restartOnly(cur, &next) {
		d.log.Warn("configuration change takes effect on restart", "key", k)
	}
	next.sourcePools()
	jobs, err := d.jobs(ctx, &next)
	if err == nil {
		err = d.s.Reload(jobs)
	}
	if err != nil {
		d.log.Error("configuration reload rejected; keeping the running one", "err", next.redact(err))
		return
	}
	d.mu.Lock()
	d.gen = &next
	d.mu.Unlock()
	d.m.SetPools(statsSources(next.pools))
	d.log.Info("configuration reloaded", "jobs", len(jobs))
}

// restartOnly names the changed settings a reload cannot apply.
func restartOnly(cur, next *app) []string {
	var keys []string
	c, n := cur.cfg, next.cfg
	if c.Database != n.Database {
		keys = append(keys, "database")
	}
	if c.DatabasePool != n.DatabasePool {
		keys = append(keys, "database_pool")
	}
	if c.HTTP != n.HTTP {
		keys = append(keys, "http.listen")
	}
	if c.Schedule.LeaderElection != n.Schedule.LeaderElection {
		keys = append(keys, "schedule.leader_election")
	}
	if c.Schedule.LeaderCheck != n.Schedule.LeaderCheck {
		keys = append(keys, "schedule.leader_check")
	}
	if c.Schedule.ShutdownTimeout != n.Schedule.ShutdownTimeout {
		keys = append(keys, "schedule.shutdown_timeout")
	}
	if c.LogLevel != n.LogLevel {
		keys = append(keys, "log_level")
	}
	return keys
}

// statsSources adapts the pools for the metrics.
func statsSources(p *sourcePools) map[string]observe.StatsSource {
	out := map[string]observe.StatsSource{}
	for name, pool := range p.bySource() {
		out[name] = pool
	}
	return out
}

// redact keeps the database and SMTP passwords out of an error that is
// logged or recorded in the run log, keeping what it wraps.
func (a *app) redact(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	for _, secret := range []string{a.cfg.Database.Password(), a.cfg.Email.Password} {
		if secret != "" {
			msg = strings.ReplaceAll(msg, secret, "xxxxx")
		}
	}
	if msg == err.Error() {
		return err
	}
	return redactedError{msg: msg, err: err}
}

type redactedError struct {
	msg string
	err error
}

func (e redactedError) Error() string { return e.msg }
func (e redactedError) Unwrap() error { return e.err }
