package main

import (
	"context"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/marketd/marketd/cmd/marketd/internal/config"
	"github.com/marketd/marketd/collector"
	"github.com/marketd/marketd/collector/schedule"
	"github.com/marketd/marketd/sources/httpx"
	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/market/calendar"
	"github.com/marketd/marketd/sources/naver"
	"github.com/marketd/marketd/store"
	"github.com/marketd/marketd/validate"
	"github.com/marketd/marketd/validate/mailer"
)

// wiring is what one configuration builds on the process's store: the
// sources over their HTTP pools, the collector, the calendars with their
// overrides and the validation run. A command builds one (app.wire); the
// daemon one per configuration it loads, at start and on each SIGHUP, so
// that a reload swaps rates and sources without touching the store.
type wiring struct {
	cfg   config.Config
	store *store.Store
	// pools are the sources' HTTP pools: every collector built from this
	// wiring (the daemon's jobs, validate's repairs) shares them, so a
	// host's rate limit holds across all of them, and the metrics read
	// their counters.
	pools map[string]*httpx.Pool
	log   *slog.Logger
	now   func() time.Time
}

func newWiring(cfg config.Config, st *store.Store, log *slog.Logger, now func() time.Time) *wiring {
	w := &wiring{cfg: cfg, store: st, log: log, now: now, pools: map[string]*httpx.Pool{}}
	for _, s := range sites(cfg.Sources) {
		w.pools[s.name] = httpx.NewPool(s.transport.HTTPX(), nil)
	}
	return w
}

// wire returns the command's wiring, opening (and migrating) the store on
// first use.
func (a *app) wire(ctx context.Context) (*wiring, error) {
	if a.wiring != nil {
		return a.wiring, nil
	}
	st, err := a.openStore(ctx, true)
	if err != nil {
		return nil, err
	}
	a.wiring = newWiring(a.cfg, st, a.log, a.now)
	return a.wiring, nil
}

// newCollector is the command's collector (wiring.collector).
func (a *app) newCollector(ctx context.Context) (*collector.Collector, error) {
	w, err := a.wire(ctx)
	if err != nil {
		return nil, err
	}
	return w.collector()
}

// book returns the calendars with the configured and the stored overrides
// applied. st may be nil: the configured overrides only.
func book(cfg config.Config, st *store.Store) *calendar.Book {
	configured := make([]calendar.MarketOverride, len(cfg.CalendarOverrides))
	for i, o := range cfg.CalendarOverrides {
		configured[i] = calendar.MarketOverride{Market: o.Market, Override: calendar.Override{Date: o.Date, Open: o.Open, Reason: o.Reason}}
	}
	if st == nil {
		return calendar.NewBook(configured, nil)
	}
	return calendar.NewBook(configured, st)
}

// collector wires the collector: every site's source over the wiring's
// HTTP pools (per-host limits), the store and the calendars.
func (w *wiring) collector() (*collector.Collector, error) {
	sources := map[string]collector.Source{}
	configs := map[string]collector.SourceConfig{}
	minutes := map[string]collector.MinuteSource{}
	for _, s := range sites(w.cfg.Sources) {
		sources[s.name] = s.open(w.pools[s.name].Client())
		if m, ok := sources[s.name].(collector.MinuteSource); ok {
			minutes[s.name] = m
		}
		configs[s.name] = collector.SourceConfig{Workers: s.transport.Workers, Rate: s.transport.Limit()}
	}
	cals := book(w.cfg, w.store)
	return collector.New(collector.Config{
		Claimant:            claimant(w.cfg.Sources),
		RestatementSessions: w.cfg.Collector.RestatementSessions,
		InitialHistory:      w.cfg.Collector.InitialHistory.Before,
		Sources:             configs,
	}, collector.Deps{
		Sources:       sources,
		MinuteSources: minutes,
		Store:         w.store,
		// Used only by a shared run, which the daemon asks for when the
		// database can share (store.SharedWork).
		Units:        w.store,
		Calendars:    func(ctx context.Context, code string) (collector.Calendar, error) { return cals.For(ctx, code) },
		Log:          w.log,
		AfterAbandon: schedule.AfterAbandon,
		Stats: func() map[string]httpx.Stats {
			out := make(map[string]httpx.Stats, len(w.pools))
			for name, p := range w.pools {
				out[name] = p.Total()
			}
			return out
		},
	})
}

// claimant names this process in the work units of shared runs: the host
// name, and the local addresses its sources are bound to, which tell apart
// the processes of one machine ("ip-10-0-0-11@10.0.0.12").
func claimant(cfg config.Sources) string {
	host, _ := os.Hostname()
	var addrs []string
	for _, s := range sites(cfg) {
		if a := s.transport.LocalAddr; a != "" && !slices.Contains(addrs, a) {
			addrs = append(addrs, a)
		}
	}
	if len(addrs) == 0 {
		return host
	}
	return host + "@" + strings.Join(addrs, ",")
}

// classifier is source's classifier over the wiring's pool of that
// source (its rate limit holds), as configured; nil when the source has
// none.
func (w *wiring) classifier(source string) classifier {
	for _, s := range sites(w.cfg.Sources) {
		if s.name == source && s.classifier != nil {
			return s.classifier(w.pools[s.name].Client())
		}
	}
	return nil
}

// naverSource is the Naver source over the wiring's naver pool; symbols
// import reads its listings.
func (w *wiring) naverSource() *naver.Source {
	return naver.New(naverConfig(w.cfg.Sources.Naver), w.pools[market.SourceNaver].Client())
}

// validation is one validation run's options.
type validation struct {
	markets, sources []string
	since            market.Date
	lookback         int
	repair, email    bool
	recheck          bool
}

// validation sets up one validation run (validate.Run) as this
// configuration says: the daemon's validate job and the validate command
// both come through here.
func (w *wiring) validation(opt validation) (validate.Run, error) {
	v, cals := w.cfg.Validate, book(w.cfg, w.store)
	reach := map[string]validate.MinuteReacher{}
	for _, s := range sites(w.cfg.Sources) {
		if r, ok := s.open(w.pools[s.name].Client()).(validate.MinuteReacher); ok {
			reach[s.name] = r
		}
	}
	run := validate.Run{
		Config: validate.Config{
			Lookback: opt.lookback, Since: opt.since, Markets: opt.markets, Sources: opt.sources,
			MaxMove: v.MaxMove, MaxRepeats: v.MaxRepeats, CrossSourceTolerance: v.CrossSourceTolerance,
			Jobs: deadManJobs(w.cfg, w.now()), Recheck: opt.recheck, IntradayMinCoverage: v.IntradayMinCoverage,
			MinuteReach: validate.ReachOf(reach),
		},
		Store:     w.store,
		Calendars: func(ctx context.Context, code string) (validate.Calendar, error) { return cals.For(ctx, code) },
		Policy:    validate.Policy{Repeat: w.cfg.Email.Repeat, SendAllClear: w.cfg.Email.SendAllClear},
		Log:       w.log,
		Now:       w.now(),
	}
	if opt.repair && v.RepairBudget > 0 {
		c, err := w.collector()
		if err != nil {
			return run, err
		}
		run.Repairer, run.Config.RepairBudget = c, v.RepairBudget
	}
	if opt.email && w.cfg.Email.Host != "" {
		m, err := newMailer(w.cfg.Email)
		if err != nil {
			return run, usageError{err}
		}
		run.Sender = m
	}
	return run, nil
}

func newMailer(e config.Email) (*mailer.Mailer, error) {
	return mailer.New(mailer.Config{
		Host: e.Host, Port: e.Port, TLS: e.TLS, Username: e.Username, Password: e.Password,
		PasswordFile: e.PasswordFile, From: e.From, To: e.To, HELO: e.HELO,
	})
}

// deadManJobs are the scheduled jobs the validator watches, with the
// longest time between two of their runs.
func deadManJobs(cfg config.Config, now time.Time) []validate.Job {
	var jobs []validate.Job
	for _, spec := range cfg.Schedule.Jobs {
		if spec.Name == schedule.JobValidate {
			continue // the validator reporting on itself would never be heard
		}
		p, err := schedule.Period(spec, now)
		if err != nil {
			continue // the configuration was validated at start-up
		}
		jobs = append(jobs, validate.Job{Name: spec.Name, Period: p})
	}
	return jobs
}
