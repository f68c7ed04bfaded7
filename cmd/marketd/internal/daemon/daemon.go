// Package daemon is `marketd run` while it runs: the scheduler with its
// jobs, the leader lock, the HTTP listener for health and metrics, and
// configuration reloads.
//
// The daemon owns the lifecycle, not the wiring: Deps.Build turns a
// configuration into the collector and the validation run its jobs call
// (cmd/marketd builds them the same way its commands do), and Reload swaps
// in what a new configuration builds without stopping. Signals are the
// caller's: cancel Run's context to stop, call Reload on SIGHUP.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/marketd/marketd/cmd/marketd/internal/config"
	"github.com/marketd/marketd/cmd/marketd/internal/observe"
	"github.com/marketd/marketd/collector"
	"github.com/marketd/marketd/collector/schedule"
	"github.com/marketd/marketd/sources/httpx"
	"github.com/marketd/marketd/sources/market/calendar"
	"github.com/marketd/marketd/store"
	"github.com/marketd/marketd/store/mysql"
	"github.com/marketd/marketd/validate"
)

// Generation is what one configuration builds for the daemon's jobs.
type Generation struct {
	Config    config.Config
	Collector *collector.Collector
	// Validate runs the scheduled validation (validate.Run.Do).
	Validate  func(ctx context.Context) (*validate.Report, error)
	Calendars *calendar.Book
	Pools     map[string]*httpx.Pool // by source, for the metrics
	// Quotes are the live quote feeds by source (naver), for live- jobs.
	Quotes map[string]collector.QuotePoller
}

// Deps are the daemon's collaborators.
type Deps struct {
	Store *store.Store
	// Build wires a configuration; New calls it, and Reload for each new
	// configuration.
	Build    func(ctx context.Context, cfg config.Config) (*Generation, error)
	Log      *slog.Logger
	Host     string // names this daemon in runs and slot claims
	Version  string
	Database string           // the database's name for the start-up line, password masked
	Now      func() time.Time // time.Now when nil
	// PingTimeout bounds one heartbeat ping; DefaultPingTimeout when zero.
	PingTimeout time.Duration
	// Service is told when the daemon is ready and stops, and is kept
	// notified while it is healthy when it arms a watchdog (Systemd);
	// nil: none.
	Service ServiceManager
	// JoinEvery is how often the daemon looks for shared runs to join;
	// DefaultJoinEvery when zero.
	JoinEvery time.Duration
	// Clock paces live polling; the real clock when nil.
	Clock clockwork.Clock
}

// httpShutdownTimeout bounds how long in-flight scrapes and probes may take
// once the daemon stops.
const httpShutdownTimeout = 5 * time.Second

// Daemon is one running `marketd run`.
type Daemon struct {
	deps   Deps
	log    *slog.Logger
	st     *store.Store
	m      *observe.Metrics
	s      *schedule.Scheduler
	ln     net.Listener // nil when http.listen is empty
	leader *mysql.Leader
	ready  chan struct{}
	pings  *pinger
	wd     *watchdog // nil: no watchdog armed
	stopWD context.CancelFunc
	// shared: the database shares collections between hosts (MySQL 8.0+,
	// MariaDB 10.6+): scheduled collects run as work units, and the
	// daemon joins other hosts' runs.
	shared   bool
	share    sharing
	stopJoin func()

	mu  sync.Mutex
	gen *Generation // the configuration in force
}

// New builds the daemon for cfg: its jobs, scheduler and listener. Nothing
// runs until Run. An invalid job set is an error wrapping
// schedule.ErrInvalidJob.
func New(ctx context.Context, cfg config.Config, deps Deps) (*Daemon, error) {
	gen, err := deps.Build(ctx, cfg)
	if err != nil {
		return nil, err
	}
	d := &Daemon{deps: deps, log: deps.Log, st: deps.Store, gen: gen, ready: make(chan struct{}),
		m: observe.NewMetrics(statsSources(gen.Pools)), pings: newPinger(nil, deps.PingTimeout, deps.Log),
		share: sharing{working: map[int64]bool{}}, stopJoin: func() {}}
	switch err := deps.Store.SharedWork(ctx); {
	case err == nil:
		d.shared = true
	case deps.Store.Dialect().SkipLocked:
		// MySQL or MariaDB, too old: say what is missing, once, at start.
		deps.Log.Warn("collections are not shared between hosts: each scheduled run is done by the host that claims its slot", "reason", err)
	}
	sc := cfg.Schedule
	scfg := schedule.Config{
		Store: deps.Store,
		// Read per run, so a `marketd calendar close` made while the
		// daemon runs is seen by its next run.
		Calendars: func(ctx context.Context, code string) (schedule.Calendar, error) {
			return d.current().Calendars.For(ctx, code)
		},
		Host:            deps.Host,
		ShutdownTimeout: sc.ShutdownTimeout,
		OnRunFinished:   d.runFinished,
		Logger:          deps.Log,
	}
	if deps.Service != nil {
		if iv := deps.Service.WatchdogInterval(); iv > 0 {
			scfg.Tick = tickEvery(iv)
			d.wd = newWatchdog(iv, clockwork.NewRealClock(), deps.Service.Notify, func() time.Time { return d.s.LastTick() },
				deps.Store.Ping, func(err error) error { return d.Config().Redact(err) }, deps.Log)
		}
	}
	if sc.LeaderElection {
		d.leader = mysql.NewLeader(deps.Store.DB(), "marketd", sc.LeaderCheck, deps.Log)
		scfg.Elector = d.leader
	}
	if d.s, err = schedule.New(scfg, d.jobs(gen)); err != nil {
		return nil, err
	}
	if listen := cfg.HTTP.Listen; listen != "" {
		if d.ln, err = net.Listen("tcp", listen); err != nil {
			return nil, fmt.Errorf("http.listen: %w", err)
		}
	}
	return d, nil
}

// Run starts the scheduler and the HTTP server and runs until ctx ends
// (a clean stop: nil) or the HTTP server fails. Stopping lets running jobs
// finish for up to schedule.shutdown_timeout, then cancels them.
func (d *Daemon) Run(ctx context.Context) error {
	leaderCtx, stopLeader := context.WithCancel(context.WithoutCancel(ctx))
	leaderDone := make(chan struct{})
	if d.leader != nil {
		go func() {
			defer close(leaderDone)
			d.leader.Run(leaderCtx) // releases the lock when leaderCtx ends
		}()
	} else {
		close(leaderDone)
	}
	stopAll := func(srv *http.Server, cause error) error {
		return d.stop(srv, func() { stopLeader(); <-leaderDone }, cause)
	}
	d.seedLastSuccess(ctx)
	d.updateBehind(ctx)
	go d.pings.run()

	var srv *http.Server
	srvErr := make(chan error, 1)
	if d.ln != nil {
		var ln net.Listener
		srv, ln = observe.NewServer(d.ln, observe.Handler(d.m, d.st, d.s), observe.Limits{}, slog.NewLogLogger(d.log.Handler(), slog.LevelWarn))
		go func() { srvErr <- srv.Serve(ln) }()
	}
	if err := d.s.Start(ctx); err != nil {
		return stopAll(srv, err)
	}
	if d.shared {
		joinCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		joined := make(chan struct{})
		go func() { defer close(joined); d.joinRuns(joinCtx) }()
		d.stopJoin = func() { cancel(); <-joined }
	}
	d.log.Info("marketd running", "version", d.deps.Version, "host", d.deps.Host, "database", d.deps.Database,
		"http", d.Addr(), "leader_election", d.leader != nil, "shared_runs", d.shared)
	close(d.ready)
	d.notify(stateReady)
	if d.wd != nil {
		var wdCtx context.Context
		wdCtx, d.stopWD = context.WithCancel(context.WithoutCancel(ctx))
		d.log.Info("systemd watchdog armed", "watchdog", d.wd.interval, "notify_every", d.wd.interval/2)
		go d.wd.run(wdCtx)
	}

	select {
	case <-ctx.Done():
		d.log.Info("stopping", "reason", context.Cause(ctx))
		return stopAll(srv, nil)
	case err := <-srvErr:
		return stopAll(nil, fmt.Errorf("http server on %s: %w", d.Addr(), err))
	}
}

// Ready is closed once Run has started the scheduler and the listener.
func (d *Daemon) Ready() <-chan struct{} { return d.ready }

// Addr is the HTTP listener's address; "" when http.listen is empty.
func (d *Daemon) Addr() string {
	if d.ln == nil {
		return ""
	}
	return d.ln.Addr().String()
}

// Jobs returns the jobs in force.
func (d *Daemon) Jobs() []schedule.JobSpec { return d.s.Jobs() }

// Running reports whether the scheduler runs.
func (d *Daemon) Running() bool { return d.s.Running() }

// Config returns the configuration in force.
func (d *Daemon) Config() config.Config { return d.current().Config }

// Leader is the leader lock in leader mode (schedule.leader_election), else nil.
func (d *Daemon) Leader() *mysql.Leader { return d.leader }

// RunJob runs spec once, now, as the scheduler would with the
// configuration in force, outside the schedule: no slot is claimed and
// nothing is recorded but what the job writes into run.
func (d *Daemon) RunJob(ctx context.Context, spec schedule.JobSpec, run *store.Run) error {
	g := d.current()
	return d.runner(g, spec)(ctx, spec, run)
}

// notify tells the service manager, if any, the daemon's state.
func (d *Daemon) notify(state string) {
	if d.deps.Service == nil {
		return
	}
	if err := d.deps.Service.Notify(state); err != nil {
		d.log.Warn("cannot notify the service manager", "state", state, "err", err)
	}
}

func (d *Daemon) now() time.Time {
	if d.deps.Now != nil {
		return d.deps.Now()
	}
	return time.Now()
}

func (d *Daemon) current() *Generation {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.gen
}

// stop tells systemd the daemon is stopping (which ends its watchdog),
// stops the scheduler (bounded by schedule.shutdown_timeout), sends the
// pings left (bounded by one ping timeout), stops the HTTP server, then
// releases the leader lock, and returns cause or the first error met.
func (d *Daemon) stop(srv *http.Server, stopLeader func(), cause error) error {
	d.notify(stateStopping)
	if d.stopWD != nil {
		d.stopWD()
	}
	errs := []error{cause}
	d.stopJoin()
	if err := d.s.Stop(); err != nil {
		errs = append(errs, err)
	}
	d.pings.close()
	if srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), httpShutdownTimeout)
		if err := srv.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("http server: %w", err))
		}
		cancel()
	} else if d.ln != nil {
		d.ln.Close()
	}
	stopLeader()
	err := errors.Join(errs...)
	if err != nil {
		err = d.Config().Redact(err)
		d.log.Error("marketd stopped", "err", err)
		return err
	}
	d.log.Info("marketd stopped")
	return nil
}

// Reload swaps in what cfg builds: jobs, schedules, sources, rates,
// validation and email. Settings only a restart applies are named in a
// warning. On any error the running configuration stays.
func (d *Daemon) Reload(ctx context.Context, cfg config.Config) error {
	cur := d.current()
	for _, k := range restartOnly(cur.Config, cfg) {
		d.log.Warn("configuration change takes effect on restart", "key", k)
	}
	next, err := d.deps.Build(ctx, cfg)
	if err == nil {
		err = d.s.Reload(d.jobs(next))
	}
	if err != nil {
		return cfg.Redact(err)
	}
	d.mu.Lock()
	d.gen = next
	d.mu.Unlock()
	d.m.SetPools(statsSources(next.Pools))
	d.log.Info("configuration reloaded", "jobs", len(cfg.Schedule.Jobs))
	return nil
}

// restartOnly names the changed settings a reload cannot apply.
func restartOnly(c, n config.Config) []string {
	var keys []string
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
func statsSources(pools map[string]*httpx.Pool) map[string]observe.StatsSource {
	out := make(map[string]observe.StatsSource, len(pools))
	for name, p := range pools {
		out[name] = p
	}
	return out
}
