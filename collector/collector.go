package collector

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"golang.org/x/time/rate"

	"github.com/marketd/marketd/sources/httpx"
	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

// Source fetches one instrument's bars and actions for a window.
type Source interface {
	Fetch(ctx context.Context, inst market.Instrument, from, to market.Date) (market.Series, error)
}

// BatchSource answers the latest session of many instruments in a few
// requests (Naver's polling feed). Instruments it does not answer are
// absent from the map.
type BatchSource interface {
	Latest(ctx context.Context, insts []market.Instrument) (map[market.Key]market.Series, error)
	// BatchSize is how many instruments one Latest call should get: what
	// one request answers, so that a failed call loses one request's worth.
	BatchSize() int
}

// SilentSplitter is a Source that serves split-adjusted prices but sends
// no split events (Naver): when SilentSplits is true, the collector
// detects rewritten history by comparing the re-fetched restatement
// window with the stored closes.
type SilentSplitter interface {
	SilentSplits() bool
}

// Store is the part of the store the collector uses.
type Store interface {
	Instruments(ctx context.Context, f store.InstrumentFilter) ([]market.Instrument, error)
	AddInstruments(ctx context.Context, insts []market.Instrument) (store.AddResult, error)
	Watermarks(ctx context.Context, source string) (map[market.Key]market.Date, error)
	Write(ctx context.Context, batch []store.Write) (store.WriteResult, error)
	Bars(ctx context.Context, key market.Key, from, to market.Date) ([]market.Bar, error)
	Actions(ctx context.Context, key market.Key, from, to market.Date) ([]market.Action, error)
	StartRun(ctx context.Context, r *store.Run) error
	FinishRun(ctx context.Context, r *store.Run) error
	KeepAlive(ctx context.Context, id int64, every time.Duration) (stop func())
	AbandonGone(ctx context.Context, host string, staleAfter time.Duration, next func(job string) string) ([]store.Run, error)
	// Runs and RunByID read the run log: a forced backfill resumed after
	// an interruption skips what the interrupted run finished.
	Runs(ctx context.Context, job string, limit int) ([]store.Run, error)
	RunByID(ctx context.Context, id int64) (store.Run, bool, error)
	MinuteStore
}

// Calendar is a market's trading calendar (sources/market/calendar).
type Calendar interface {
	Sessions(from, to market.Date) []market.Date
	Prev(d market.Date) market.Date
	LastClosed(now time.Time) market.Date
}

// SourceConfig tunes the work on one source.
type SourceConfig struct {
	// Workers is how many instruments are in flight at once (default 4).
	Workers int
	// Rate is the request budget of the source's hosts; it only feeds
	// dry-run plans and ETAs (the transport enforces it). 0 = unknown.
	Rate rate.Limit
}

// Config is the collector's configuration.
type Config struct {
	Host string // recorded in runs; os.Hostname when empty
	// RestatementSessions is how many recent sessions every run re-fetches
	// (default 5); older bars are marked final.
	RestatementSessions int
	// InitialHistory returns where a new instrument's history starts given
	// the last closed session (default: one year before it).
	InitialHistory func(to market.Date) market.Date
	// HistoryStart is the earliest date asked for when an instrument's
	// listing date is unknown (default 1980-01-01): the source returns what
	// exists.
	HistoryStart market.Date
	// WriteBatch bounds the bars of one write transaction (default 2000).
	WriteBatch int
	Sources    map[string]SourceConfig

	// A shared run (Deps.Units) splits its instruments into units of
	// UnitSize (default 40): small enough that a lost host costs little
	// work, large enough that claiming costs nothing next to fetching.
	UnitSize int
	// Lease is how long a claimed unit stays with its claimant without a
	// renewal (default 30s; renewed every third of it): how soon another
	// host takes over the unit of a host that died.
	Lease time.Duration
	// UnitPoll is how often the run's owner, its own units done, looks
	// whether the units other hosts hold are done (default 250ms: the
	// run's end waits for it).
	UnitPoll time.Duration
	// Owner identifies this collector as a claimant of units (default:
	// host, pid and a random instance id).
	Owner string
	// Claimant is how units, the run's message and status name the host
	// that did them (default Host): several processes on one machine,
	// each with its own address, set it apart.
	Claimant string
}

func (c Config) withDefaults() Config {
	if c.Host == "" {
		c.Host, _ = os.Hostname()
	}
	if c.RestatementSessions < 1 {
		c.RestatementSessions = 5
	}
	if c.InitialHistory == nil {
		c.InitialHistory = func(to market.Date) market.Date { return to.AddDays(-365) }
	}
	if c.HistoryStart == 0 {
		c.HistoryStart = market.NewDate(1980, time.January, 1)
	}
	if c.WriteBatch < 1 {
		c.WriteBatch = 2000
	}
	if c.UnitSize < 1 {
		c.UnitSize = 40
	}
	if c.Lease <= 0 {
		c.Lease = 30 * time.Second
	}
	if c.UnitPoll <= 0 {
		c.UnitPoll = 250 * time.Millisecond
	}
	if c.Owner == "" {
		c.Owner = newOwner(c.Host)
	}
	if c.Claimant == "" {
		c.Claimant = c.Host
	}
	return c
}

func (c Config) source(name string) SourceConfig {
	sc := c.Sources[name]
	if sc.Workers < 1 {
		sc.Workers = 4
	}
	return sc
}

// silentSplits reports whether the named source hides its splits.
func (c *Collector) silentSplits(source string) bool {
	s, ok := c.deps.Sources[source].(SilentSplitter)
	return ok && s.SilentSplits()
}

// Deps are the collector's collaborators.
type Deps struct {
	Sources map[string]Source // by source name (market.SourceYahoo, …)
	Store   Store
	// Calendars returns a market's calendar with its overrides, read once
	// per run (calendar.Book.For).
	Calendars func(ctx context.Context, market string) (Calendar, error)
	Log       *slog.Logger     // slog.Default() when nil
	Now       func() time.Time // time.Now when nil
	// Stats returns the transport's counters per source name; a run
	// records the difference between its end and its start. Nil = none.
	Stats func() map[string]httpx.Stats
	// AfterAbandon words what becomes of the work of an abandoned run of a
	// job, any job, for the run log (schedule.AfterAbandon). Nil = nothing.
	AfterAbandon func(job string) string
	// Units, when set, lets a collect be shared with other hosts as work
	// units (CollectRequest.Shared, Work). Nil: every run is this host's.
	Units UnitStore
	// MinuteSources are the sources of intraday bars, by source name
	// (ArchiveMinutes, BackfillMinutes). Nil: no instrument's minutes
	// can be fetched, and each intraday one fails saying so.
	MinuteSources map[string]MinuteSource
}

// Collector runs collect and backfill jobs.
type Collector struct {
	cfg  Config
	deps Deps
}

// New returns a Collector.
func New(cfg Config, deps Deps) (*Collector, error) {
	switch {
	case deps.Store == nil:
		return nil, errors.New("collector: no store")
	case deps.Calendars == nil:
		return nil, errors.New("collector: no calendar lookup")
	case len(deps.Sources) == 0:
		return nil, errors.New("collector: no sources")
	}
	for name, s := range deps.Sources {
		if s == nil {
			return nil, fmt.Errorf("collector: source %q is nil", name)
		}
	}
	if deps.Log == nil {
		deps.Log = slog.Default()
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	return &Collector{cfg: cfg.withDefaults(), deps: deps}, nil
}

// Filter selects instruments; zero fields select everything.
type Filter struct {
	Source  string
	Market  string
	Board   string // one board of Market (KOSPI, KOSDAQ); board-less instruments are on none
	Symbols []string
	// Intraday selects only the instruments with an intraday interval set.
	Intraday bool
}

// Range is an inclusive span of trading dates.
type Range struct{ From, To market.Date }

func (r Range) String() string { return r.From.String() + ".." + r.To.String() }

// ErrInterrupted is returned when the context ends a run early. Everything
// committed so far stays; running the same command again resumes.
var ErrInterrupted = errors.New("interrupted")
