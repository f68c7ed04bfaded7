package schedule

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/google/uuid"
	"github.com/jonboulle/clockwork"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

// Store is the part of the store the scheduler uses: the run log and the
// slot claims that make a slot run once across hosts.
type Store interface {
	StartRun(ctx context.Context, r *store.Run) error
	FinishRun(ctx context.Context, r *store.Run) error
	KeepAlive(ctx context.Context, id int64, every time.Duration) (stop func())
	AbandonGone(ctx context.Context, host string, staleAfter time.Duration, next func(job string) string) ([]store.Run, error)
	Runs(ctx context.Context, job string, limit int) ([]store.Run, error)
	LastSuccess(ctx context.Context, job string) (time.Time, bool, error)
	ClaimSlot(ctx context.Context, job string, slot time.Time, owner string) (bool, error)
}

// Calendar says whether a market holds a session on a date.
type Calendar interface {
	IsSession(d market.Date) bool
}

// Config holds a Scheduler's dependencies and settings.
type Config struct {
	// Store keeps runs and slot claims. Required.
	Store Store
	// Calendars returns the calendar of a market code (MIC). Required when
	// a job names a market.
	Calendars func(ctx context.Context, code string) (Calendar, error)
	// Host identifies this daemon's host in runs and, with the process id
	// and a random instance id, in slot claims; "" means the host name.
	Host string
	// Elector, when set, is asked before every run whether this host leads
	// (leader mode); a host that does not lead runs nothing. Slots are
	// still claimed, so a leadership hand-over cannot run a slot twice.
	Elector gocron.Elector
	// ShutdownTimeout bounds how long Stop lets running jobs finish before
	// cancelling them (their runs are then recorded interrupted). Default 30s.
	ShutdownTimeout time.Duration
	// Skew is the clock skew between hosts that slot claims tolerate: a run
	// starting up to Skew before its scheduled time still claims that
	// time's slot. Default 30s.
	Skew time.Duration
	// ClaimBackoff is the first wait before claiming a slot again after
	// the store failed (doubling, capped at 30s). Default 1s.
	ClaimBackoff time.Duration
	// OnRunFinished, when set, is told about every run recorded (metrics).
	OnRunFinished func(store.Run)
	// Tick, when positive, is how often the scheduler loop records that it
	// runs (LastTick), for a watchdog.
	Tick time.Duration
	// Clock drives schedules; nil means the real clock. Tests pass a
	// clockwork fake clock.
	Clock  clockwork.Clock
	Logger *slog.Logger
}

// Scheduler runs jobs on their schedules. Create it with New, then Start,
// Reload and Stop it; it cannot be started again after Stop.
type Scheduler struct {
	cfg   Config
	log   *slog.Logger
	clock clockwork.Clock
	gs    gocron.Scheduler

	// owner names this process in slot claims: two daemons on one host
	// share the host name, so a claim by "the same host" proved nothing.
	owner string

	mu        sync.Mutex
	jobs      map[string]*compiled // current job set, by name
	gen       int                  // generation of the job set, tags its gocron jobs
	catchUps  map[string]catchUp   // pending catch-up runs, by gocron job name
	panicked  map[string]*store.Run
	jobLocks  map[string]*sync.Mutex
	stopping  bool
	inflight  sync.WaitGroup
	reloadMu  sync.Mutex
	running   atomic.Bool
	lastTick  atomic.Int64 // unix nanoseconds (tick.go)
	runCtx    context.Context
	cancelRun context.CancelFunc
}

// catchUp is a one-off run of a job for a slot missed while no host ran it.
type catchUp struct {
	job  string
	slot time.Time
}

const catchUpPrefix = "catch-up:"

// errSlotTaken and errNotLeader make gocron skip a run; they are expected
// on every host but one. errStopping skips a run that fires while Stop
// waits for the running ones, before claiming a slot it would not run.
var (
	errSlotTaken = errors.New("schedule: slot already claimed")
	errNotLeader = errors.New("schedule: not the leader")
	errStopping  = errors.New("schedule: stopping")
)

// New returns a Scheduler for jobs. It returns an error wrapping
// ErrInvalidJob when the job set is invalid.
func New(cfg Config, jobs []Job) (*Scheduler, error) {
	if cfg.Store == nil {
		return nil, errors.New("schedule: no store")
	}
	cs, err := compile(jobs)
	if err != nil {
		return nil, err
	}
	if err := checkCalendars(cfg, cs); err != nil {
		return nil, err
	}
	if cfg.Host == "" {
		h, err := os.Hostname()
		if err != nil {
			return nil, fmt.Errorf("schedule: host name: %w", err)
		}
		cfg.Host = h
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = 30 * time.Second
	}
	if cfg.Skew <= 0 {
		cfg.Skew = 30 * time.Second
	}
	if cfg.ClaimBackoff <= 0 {
		cfg.ClaimBackoff = time.Second
	}
	if cfg.Clock == nil {
		cfg.Clock = clockwork.NewRealClock()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Scheduler{
		cfg:      cfg,
		owner:    fmt.Sprintf("%s pid %d %s", cfg.Host, os.Getpid(), uuid.NewString()[:8]),
		log:      cfg.Logger.With("component", "schedule", "host", cfg.Host),
		clock:    cfg.Clock,
		jobs:     make(map[string]*compiled, len(cs)),
		catchUps: make(map[string]catchUp),
		panicked: make(map[string]*store.Run),
		jobLocks: make(map[string]*sync.Mutex),
	}
	s.runCtx, s.cancelRun = context.WithCancel(context.Background())
	s.gs, err = gocron.NewScheduler(
		gocron.WithClock(cfg.Clock),
		gocron.WithLocation(time.UTC),
		gocron.WithDistributedLocker(slotLocker{s}),
		gocron.WithStopTimeout(gocronStopTimeout),
		gocron.WithGlobalJobOptions(
			gocron.WithSingletonMode(gocron.LimitModeReschedule),
			gocron.WithEventListeners(
				gocron.AfterJobRunsWithPanic(s.onPanic),
				gocron.AfterLockError(s.onLockError),
			),
		),
	)
	if err != nil {
		return nil, fmt.Errorf("schedule: %w", err)
	}
	for _, c := range cs {
		s.jobs[c.Spec.Name] = c
	}
	if err := s.addJobs(cs, s.gen); err != nil {
		_ = s.gs.Shutdown()
		return nil, err
	}
	if cfg.Tick > 0 {
		if err := s.addTick(); err != nil {
			_ = s.gs.Shutdown()
			return nil, fmt.Errorf("schedule: tick: %w", err)
		}
	}
	return s, nil
}

// killGrace is how long Stop waits for runs to return once their context
// is cancelled.
const killGrace = 10 * time.Second

// gocronStopTimeout bounds gocron's own wait for running jobs in Shutdown.
// gocron v2.21.2 waits in a busy loop (executor.stop: `for time.Now().
// Before(timeout) && count < 3 { select { ...; default: } }`), a full core
// for as long as a job runs. So Stop waits for the runs itself, asleep, and
// calls Shutdown only after: by then nothing runs, and gocron's loop ends as
// soon as its own runner goroutines have wound down; this bounds it when a
// run outlives killGrace. Those goroutines need CPU too, which the loop and
// a loaded host share: 500ms of wall time was not always enough (a clean
// SIGTERM under load ended "timed out waiting for jobs to finish").
const gocronStopTimeout = 5 * time.Second

func checkCalendars(cfg Config, cs []*compiled) error {
	var errs []error
	for _, c := range cs {
		if c.Spec.Market == "" {
			continue
		}
		if cfg.Calendars == nil {
			errs = append(errs, fmt.Errorf("%w: job %q: market %s but no calendars configured", ErrInvalidJob, c.Spec.Name, c.Spec.Market))
			continue
		}
		// The market must exist; its calendar (overrides included) is read
		// with the run's context when a slot fires.
		if _, err := market.LookupMarket(c.Spec.Market); err != nil {
			errs = append(errs, fmt.Errorf("%w: job %q: market %q: %w", ErrInvalidJob, c.Spec.Name, c.Spec.Market, err))
		}
	}
	return errors.Join(errs...)
}

func genTag(gen int) string { return "gen-" + strconv.Itoa(gen) }

func (s *Scheduler) addJobs(cs []*compiled, gen int) error {
	for _, c := range cs {
		_, err := s.gs.NewJob(
			gocron.CronJob(c.crontab(), true),
			gocron.NewTask(s.execute, c.Spec.Name, c.Spec.Name, time.Time{}),
			gocron.WithName(c.Spec.Name),
			gocron.WithTags(genTag(gen)),
		)
		if err != nil {
			return fmt.Errorf("schedule: job %q: %w", c.Spec.Name, err)
		}
	}
	return nil
}

// Start runs the catch-up of every job that missed its previous due slot,
// then starts the schedules. It does not block.
func (s *Scheduler) Start(ctx context.Context) error {
	if err := s.catchUp(ctx); err != nil {
		return err
	}
	s.gs.Start()
	s.running.Store(true)
	s.log.Info("scheduler started", "jobs", len(s.Jobs()))
	return nil
}

// Running reports whether the scheduler has started and not stopped, for
// readiness checks.
func (s *Scheduler) Running() bool { return s.running.Load() }

// Jobs returns the current job specs.
func (s *Scheduler) Jobs() []JobSpec {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]JobSpec, 0, len(s.jobs))
	for _, c := range s.jobs {
		out = append(out, c.Spec)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Reload replaces the job set. An invalid set is rejected with an error
// wrapping ErrInvalidJob and the current set keeps running. The new jobs
// are scheduled before the old ones are removed, so no slot falls between
// them; a run already in progress finishes under its old spec.
//
// cmd/marketd calls it on SIGHUP after loading and validating the new
// configuration; when loading fails it logs the error and does not call
// Reload at all.
func (s *Scheduler) Reload(jobs []Job) error {
	cs, err := compile(jobs)
	if err != nil {
		return err
	}
	if err := checkCalendars(s.cfg, cs); err != nil {
		return err
	}
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	s.mu.Lock()
	old := s.gen
	s.gen++
	gen := s.gen
	prev := s.jobs
	s.jobs = make(map[string]*compiled, len(cs))
	for _, c := range cs {
		s.jobs[c.Spec.Name] = c
	}
	s.mu.Unlock()
	if err := s.addJobs(cs, gen); err != nil {
		s.gs.RemoveByTags(genTag(gen))
		s.mu.Lock()
		s.jobs, s.gen = prev, old
		s.mu.Unlock()
		return err
	}
	s.gs.RemoveByTags(genTag(old))
	s.log.Info("jobs reloaded", "jobs", len(cs))
	return nil
}

// Stop stops scheduling, lets running jobs finish for up to
// ShutdownTimeout, then cancels them (their runs are recorded
// interrupted) and waits for them to return.
func (s *Scheduler) Stop() error {
	s.mu.Lock()
	if s.stopping {
		s.mu.Unlock()
		return nil
	}
	s.stopping = true
	s.mu.Unlock()
	s.running.Store(false)

	// Runs that gocron starts from now on return at once (execute and
	// slotLocker see stopping), so waiting on inflight is waiting for the
	// runs already going; gocron is shut down after (see gocronStopTimeout).
	done := make(chan struct{})
	go func() { s.inflight.Wait(); close(done) }()

	// Real time on purpose: shutdown is bounded in wall time whatever
	// clock drives the schedules.
	t := time.NewTimer(s.cfg.ShutdownTimeout)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		s.log.Warn("shutdown timeout: cancelling running jobs", "timeout", s.cfg.ShutdownTimeout)
		s.cancelRun()
		select {
		case <-done:
		case <-time.After(killGrace):
			s.log.Error("jobs did not return after cancellation", "grace", killGrace)
		}
	}
	s.cancelRun()
	if err := s.gs.Shutdown(); err != nil {
		return fmt.Errorf("schedule: stop: %w", err)
	}
	s.log.Info("scheduler stopped")
	return nil
}

// job returns the current spec of a job, nil when it is no longer
// configured.
func (s *Scheduler) job(name string) *compiled {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.jobs[name]
}

// jobLock serialises the runs of one job: a catch-up and a scheduled run,
// or the old and new generation across a Reload, never overlap.
func (s *Scheduler) jobLock(name string) *sync.Mutex {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.jobLocks[name]
	if !ok {
		m = new(sync.Mutex)
		s.jobLocks[name] = m
	}
	return m
}

// slotAt returns the scheduled time a run starting at now belongs to. Every
// host computes it from the cron expression, not from when its timer
// happened to fire, so all hosts claim the same slot. Normally that is the
// latest scheduled time at or before now; a run starting up to Skew before
// a scheduled time (its wall clock stepped back after the timer was set)
// belongs to that time, as long as it is nearer than half a period.
func (s *Scheduler) slotAt(c *compiled, now time.Time) time.Time {
	p, ok := prev(c.sched, now, c.loc)
	n := c.sched.Next(now)
	if !ok {
		return n
	}
	if ahead := n.Sub(now); ahead <= s.cfg.Skew && ahead < n.Sub(p)/2 {
		return n
	}
	return p
}

// isSession reports whether the job's market trades on the slot's civil
// date in the job's zone.
func (s *Scheduler) isSession(ctx context.Context, c *compiled, slot time.Time) (bool, error) {
	cal, err := s.cfg.Calendars(ctx, c.Spec.Market)
	if err != nil {
		return false, fmt.Errorf("calendar %s: %w", c.Spec.Market, err)
	}
	return cal.IsSession(market.DateOf(slot.In(c.loc))), nil
}
