package config

import (
	"log/slog"
	"os"
	"time"

	"github.com/marketd/marketd/collector"
	"github.com/marketd/marketd/collector/schedule"
	"github.com/marketd/marketd/sources/httpx"
	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/naver"
	"github.com/marketd/marketd/store"
	"github.com/marketd/marketd/validate"
)

// Wiring is what one configuration builds on the process's store: the
// sources over their HTTP pools, the collector, the calendars with their
// overrides and the validation run. A command builds one; the daemon one
// per configuration it loads, at start and on each SIGHUP, so that a
// reload swaps rates and sources without touching the store.
type Wiring struct {
	Config Config
	Store  *store.Store
	// Pools are the sources' HTTP pools: every collector built from this
	// wiring (the daemon's jobs, validate's repairs) shares them, so a
	// host's rate limit holds across all of them, and the metrics read
	// their counters.
	Pools map[string]*httpx.Pool
	log   *slog.Logger
	now   func() time.Time
}

// NewWiring makes the pools of cfg's sources over st.
func NewWiring(cfg Config, st *store.Store, log *slog.Logger, now func() time.Time) *Wiring {
	w := &Wiring{Config: cfg, Store: st, log: log, now: now, Pools: map[string]*httpx.Pool{}}
	for _, s := range cfg.Sources.Sites() {
		w.Pools[s.Name] = httpx.NewPool(s.Transport.HTTPX(), nil)
	}
	return w
}

// Collector wires the collector: every site's source over the wiring's
// HTTP pools (per-host limits), the store and the calendars.
func (w *Wiring) Collector() (*collector.Collector, error) {
	sources := map[string]collector.Source{}
	configs := map[string]collector.SourceConfig{}
	minutes := map[string]collector.MinuteSource{}
	for _, s := range w.Config.Sources.Sites() {
		sources[s.Name] = s.Open(w.Pools[s.Name].Client())
		if m, ok := sources[s.Name].(collector.MinuteSource); ok {
			minutes[s.Name] = m
		}
		configs[s.Name] = collector.SourceConfig{Workers: s.Transport.Workers, Rate: s.Transport.Limit()}
	}
	host, _ := os.Hostname()
	return collector.New(collector.Config{
		Claimant:            w.Config.Sources.Claimant(host),
		RestatementSessions: w.Config.Collector.RestatementSessions,
		InitialHistory:      w.Config.Collector.InitialHistory.Before,
		Sources:             configs,
	}, collector.Deps{
		Sources:       sources,
		MinuteSources: minutes,
		Store:         w.Store,
		// Used only by a shared run, which the daemon asks for when the
		// database can share (store.SharedWork).
		Units:        w.Store,
		Calendars:    w.Config.CollectorCalendars(w.Store),
		Log:          w.log,
		AfterAbandon: schedule.AfterAbandon,
		Stats: func() map[string]httpx.Stats {
			out := make(map[string]httpx.Stats, len(w.Pools))
			for name, p := range w.Pools {
				out[name] = p.Total()
			}
			return out
		},
	})
}

// Classifier is source's classifier over the wiring's pool of that source
// (its rate limit holds); nil when the source has none.
func (w *Wiring) Classifier(source string) collector.Classifier {
	for _, s := range w.Config.Sources.Sites() {
		if s.Name == source && s.Classifier != nil {
			return s.Classifier(w.Pools[s.Name].Client())
		}
	}
	return nil
}

// NaverSource is the Naver source over the wiring's naver pool; symbols
// import reads its listings.
func (w *Wiring) NaverSource() *naver.Source {
	return naver.New(w.Config.Sources.Naver.config(), w.Pools[market.SourceNaver].Client())
}

// Validation is one validation run's options.
type Validation struct {
	Markets, Sources []string
	Since            market.Date
	Lookback         int
	Repair, Email    bool
	Recheck          bool
}

// MailError is an email section the mailer refuses.
type MailError struct{ Err error }

func (e *MailError) Error() string { return e.Err.Error() }
func (e *MailError) Unwrap() error { return e.Err }

// Validation sets up one validation run (validate.Run) as the
// configuration and opt say: the daemon's validate job and the validate
// command both come through here.
func (w *Wiring) Validation(opt Validation) (validate.Run, error) {
	v := w.Config.Validate
	reach := map[string]validate.MinuteReacher{}
	for _, s := range w.Config.Sources.Sites() {
		if r, ok := s.Open(w.Pools[s.Name].Client()).(validate.MinuteReacher); ok {
			reach[s.Name] = r
		}
	}
	run := validate.Run{
		Config: validate.Config{
			Lookback: opt.Lookback, Since: opt.Since, Markets: opt.Markets, Sources: opt.Sources,
			MaxMove: v.MaxMove, MaxRepeats: v.MaxRepeats, CrossSourceTolerance: v.CrossSourceTolerance,
			Jobs: w.Config.DeadManJobs(w.now()), Recheck: opt.Recheck, IntradayMinCoverage: v.IntradayMinCoverage,
			MinuteReach: validate.ReachOf(reach),
		},
		Store:     w.Store,
		Calendars: w.Config.ValidateCalendars(w.Store),
		Policy:    validate.Policy{Repeat: w.Config.Email.Repeat, SendAllClear: w.Config.Email.SendAllClear},
		Log:       w.log,
		Now:       w.now(),
	}
	if opt.Repair && v.RepairBudget > 0 {
		c, err := w.Collector()
		if err != nil {
			return run, err
		}
		run.Repairer, run.Config.RepairBudget = c, v.RepairBudget
	}
	if opt.Email && w.Config.Email.Host != "" {
		m, err := w.Config.Email.Mailer()
		if err != nil {
			return run, &MailError{err}
		}
		run.Sender = m
	}
	return run, nil
}
