package validate

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

// Store is what the validator reads (and the alert state it keeps).
type Store interface {
	Instruments(ctx context.Context, f store.InstrumentFilter) ([]market.Instrument, error)
	// ScanBarsOf calls fn for every stored bar of the symbols of source
	// dated from..to, ordered by symbol then date. The bars need carry
	// only the date, OHLC, volume and halted.
	ScanBarsOf(ctx context.Context, source string, symbols []string, from, to market.Date, fn func(market.Key, market.Bar) error) error
	Actions(ctx context.Context, key market.Key, from, to market.Date) ([]market.Action, error)
	// LastRunWith returns when the latest run of job with one of the
	// statuses started.
	LastRunWith(ctx context.Context, job string, statuses ...string) (time.Time, bool, error)
	Runs(ctx context.Context, job string, limit int) ([]store.Run, error)
	Acks(ctx context.Context) ([]store.Ack, error)
	// Checkpoints and SaveCheckpoints keep what earlier validations
	// found clean, so that a validation of the whole history reads only
	// the bars written since (see checkpoint.go).
	Checkpoints(ctx context.Context, source string, symbols []string) ([]store.Checkpoint, error)
	SaveCheckpoints(ctx context.Context, cps []store.Checkpoint) error
	// MinuteCounts counts an instrument's stored minute bars of iv per
	// date in loc (the exchange's zone), from..to.
	MinuteCounts(ctx context.Context, key market.Key, iv market.Interval, loc *time.Location, from, to market.Date) (map[market.Date]int, error)
}

// Calendar is what the validator needs of an exchange calendar.
type Calendar interface {
	Market() market.Market
	IsSession(d market.Date) bool
	Holiday(d market.Date) (reason string, ok bool)
	Sessions(from, to market.Date) []market.Date
	Next(d market.Date) market.Date
	Prev(d market.Date) market.Date
	LastClosed(now time.Time) market.Date
	Covers(d market.Date) bool
	LastYear() int
}

// Calendars returns a market's calendar with its overrides (calendar.Book.For).
type Calendars func(ctx context.Context, code string) (Calendar, error)

// Repairer refetches from..to for one instrument (or, with an empty
// symbol, for every instrument of the key's source on market mic),
// replacing what is stored, and says how many requests that took.
// *collector.Collector is the one marketd uses.
type Repairer interface {
	Repair(ctx context.Context, key market.Key, mic string, from, to market.Date) (requests int, err error)
}

// Job is a scheduled job the dead-man check watches.
type Job struct {
	Name   string
	Period time.Duration // the time between two scheduled runs
}

// Config tunes the checks.
type Config struct {
	// Lookback is how many sessions back from the last closed one to
	// check; 0 with Since zero checks the whole history.
	Lookback int
	Since    market.Date
	Markets  []string // MICs to check; empty = every market with instruments
	Sources  []string // sources to check; empty = all
	// MaxMove is the largest close-to-close move accepted on markets with
	// no daily price limit (XNYS), as a fraction. Default 0.5.
	MaxMove float64
	// MaxRepeats is how many sessions the same OHLCV may repeat. Default 5.
	MaxRepeats int
	// CrossSourceTolerance is the relative close difference between Naver
	// and Yahoo reported as informational. Default 0.02.
	CrossSourceTolerance float64
	// RepairBudget bounds the backfill requests self-repair may spend; 0
	// disables self-repair.
	RepairBudget int
	Jobs         []Job
	GridSessions int // sessions in the coverage grid; default 20
	// IntradayMinCoverage is the share of a session's minute bars (the
	// calendar's count) a liquid instrument must have stored; below it
	// the session is thin. An instrument whose median coverage is below
	// it is illiquid: only its sessions with no bar at all are reported.
	// Default 0.9.
	IntradayMinCoverage float64
	// MinuteReach says how far back the source of key serves bars of iv
	// (0: not at all); nil: unknown, every missing session is taken as
	// still fetchable.
	MinuteReach func(key market.Key, iv market.Interval) time.Duration
	// Recheck reads every bar of the window, even those earlier
	// validations found clean and no write has touched since (for bars
	// changed by hand in SQL, which the store cannot see).
	Recheck bool
}

func (c Config) withDefaults() Config {
	if c.MaxMove <= 0 {
		c.MaxMove = 0.5
	}
	if c.MaxRepeats <= 0 {
		c.MaxRepeats = 5
	}
	if c.CrossSourceTolerance <= 0 {
		c.CrossSourceTolerance = 0.02
	}
	if c.GridSessions <= 0 {
		c.GridSessions = 20
	}
	if c.IntradayMinCoverage <= 0 {
		c.IntradayMinCoverage = 0.9
	}
	return c
}

// Validator runs the checks. Make one per run.
type Validator struct {
	cfg       Config
	store     Store
	calendars Calendars
	repairer  Repairer // nil: no self-repair
	now       time.Time
}

// New returns a Validator. repairer may be nil.
func New(cfg Config, st Store, calendars Calendars, repairer Repairer, now time.Time) *Validator {
	return &Validator{cfg: cfg.withDefaults(), store: st, calendars: calendars, repairer: repairer, now: now}
}

// Run checks the store, repairs what it can within the budget, checks
// again, and returns the report of what remains.
func (v *Validator) Run(ctx context.Context) (*Report, error) {
	report, err := v.checkAll(ctx)
	if err != nil {
		return nil, err
	}
	if v.repairer == nil || v.cfg.RepairBudget <= 0 {
		return report, nil
	}
	repaired, failures := v.repair(ctx, report.Problems)
	if len(repaired) == 0 && len(failures) == 0 {
		return report, nil
	}
	after, err := v.checkAll(ctx)
	if err != nil {
		return nil, fmt.Errorf("checking again after repair: %w", err)
	}
	remaining := map[string]bool{}
	for _, p := range after.Problems {
		remaining[p.ID()] = true
	}
	for _, p := range repaired {
		if !remaining[p.ID()] {
			after.Repaired = append(after.Repaired, p)
		}
	}
	after.RepairFailures = failures
	return after, nil
}

// checkAll runs every scope and the checks across them.
func (v *Validator) checkAll(ctx context.Context) (*Report, error) {
	insts, err := v.store.Instruments(ctx, store.InstrumentFilter{ActiveOnly: true})
	if err != nil {
		return nil, fmt.Errorf("reading instruments: %w", err)
	}
	acks, err := v.store.Acks(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading acknowledged problems: %w", err)
	}
	acked := ackIndex(acks)

	// Group instruments by (market, source).
	type group struct{ mkt, source string }
	groups := map[group][]market.Instrument{}
	for _, in := range insts {
		// A market the registry lacks is checked on an inferred calendar
		// under the code the instrument was stored with.
		code := in.Market
		if mkt, err := market.LookupMarket(in.Market); err == nil {
			code = mkt.Code
		}
		if (len(v.cfg.Markets) > 0 && !slices.Contains(v.cfg.Markets, code)) ||
			(len(v.cfg.Sources) > 0 && !slices.Contains(v.cfg.Sources, in.Source)) {
			continue
		}
		g := group{code, in.Source}
		groups[g] = append(groups[g], in)
	}
	keys := make([]group, 0, len(groups))
	for g := range groups {
		keys = append(keys, g)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].mkt != keys[j].mkt {
			return keys[i].mkt < keys[j].mkt
		}
		return keys[i].source < keys[j].source
	})

	report := &Report{Generated: v.now}
	cross := newCrossSource(insts, v.cfg.CrossSourceTolerance)
	warned := map[string]bool{}
	for _, g := range keys {
		insts := groups[g]
		symbols := make([]string, 0, len(insts))
		for _, in := range insts {
			symbols = append(symbols, in.Symbol)
		}
		cal, note, err := v.calendar(ctx, g.mkt, g.source, symbols)
		if err != nil {
			return nil, err
		}
		cps, err := v.store.Checkpoints(ctx, g.source, symbols)
		if err != nil {
			return nil, fmt.Errorf("checking %s on %s: %w", g.source, g.mkt, err)
		}
		sc := v.scope(cal, g.source, acked, earliest(insts, cps))
		if g.mkt == market.XKRX {
			sc.keep, sc.needsCloses = cross.keep, cross.needs
		}
		if note.ended && !warned[g.mkt] {
			warned[g.mkt] = true
			report.Problems = append(report.Problems, Problem{
				Kind: KindCalendar, Market: g.mkt, From: note.from, To: sc.to,
				Detail: fmt.Sprintf("the %s holiday table ends with %d: sessions from %s on are inferred from the stored bars, not from the calendar; a marketd release with the next year's table checks them again", g.mkt, cal.LastYear(), note.from),
			})
		}
		res, err := v.check(ctx, sc, insts, cps)
		if err != nil {
			return nil, fmt.Errorf("checking %s on %s: %w", g.source, g.mkt, err)
		}
		res.summary.Calendar = note.text
		minutes, coverage, err := v.checkIntraday(ctx, sc, insts)
		if err != nil {
			return nil, fmt.Errorf("checking the minute bars of %s on %s: %w", g.source, g.mkt, err)
		}
		res.problems = append(res.problems, minutes...)
		report.Intraday = append(report.Intraday, coverage...)
		report.Checked.add(g.mkt, g.source, sc.from, sc.to, insts)
		report.Problems = append(report.Problems, res.problems...)
		report.Markets = append(report.Markets, res.summary)
		report.Grids = append(report.Grids, v.grid(sc, res.states, badBars(res.problems)))
	}
	report.Problems = append(report.Problems, cross.problems()...)

	for _, j := range v.cfg.Jobs {
		report.Checked.jobs = append(report.Checked.jobs, j.Name)
	}
	dead, err := v.deadMan(ctx)
	if err != nil {
		return nil, err
	}
	report.Problems = append(report.Problems, dead...)
	report.sort()
	return report, nil
}

// earliest is the first day anything is expected of the instruments: their
// earliest stored bar or listing date (zero: none known).
func earliest(insts []market.Instrument, cps []store.Checkpoint) market.Date {
	var first market.Date
	at := func(d market.Date) {
		if !d.IsZero() && (first.IsZero() || d < first) {
			first = d
		}
	}
	for _, in := range insts {
		at(in.Listed)
	}
	for _, cp := range cps {
		at(cp.FirstStored)
	}
	return first
}

// scope sets up one pass over a market's calendar; first is where the
// whole history starts, when neither Since nor Lookback is set.
func (v *Validator) scope(cal Calendar, source string, acked func(market.Key, market.Date) bool, first market.Date) *scope {
	mkt := cal.Market()
	to := cal.LastClosed(v.now)
	if to != 0 && mkt.Settle != 0 && !mkt.Settled(to, v.now) {
		// Collect waits for a bar to settle (KRX after-hours): until then
		// the session is not yet expected.
		to = cal.Prev(to)
	}
	from := v.cfg.Since
	if from.IsZero() && v.cfg.Lookback > 0 {
		from = to
		for i := 1; i < v.cfg.Lookback; i++ {
			from = cal.Prev(from)
		}
	}
	if from.IsZero() {
		from = min(first, to)
		if first.IsZero() {
			from = to // nothing stored, nothing listed: every instrument is stale
		}
	}
	sessions := cal.Sessions(from, to)
	return &scope{
		source: source, cal: cal, from: from, to: to, today: mkt.Today(v.now),
		sessions: sessions, acked: acked,
		needsCloses:  func(market.Key) bool { return false },
		through:      checkpointDate(sessions),
		fingerprints: map[[2]market.Date]string{},
	}
}

// deadMan reports scheduled jobs whose last success is older than two
// periods. A run on a day its market was closed is a success: the alarm
// is for a job that should have collected and did not.
func (v *Validator) deadMan(ctx context.Context) ([]Problem, error) {
	var out []Problem
	for _, j := range v.cfg.Jobs {
		last, ok, err := v.store.LastRunWith(ctx, j.Name, store.RunOK, store.RunClosed)
		if err != nil {
			return nil, fmt.Errorf("reading the last success of job %s: %w", j.Name, err)
		}
		if ok && v.now.Sub(last) <= 2*j.Period {
			continue
		}
		detail := fmt.Sprintf("%s has never succeeded", j.Name)
		if !ok {
			// A job that never ran at all is not scheduled here (the CLI
			// without the daemon); one that ran and never succeeded is.
			runs, err := v.store.Runs(ctx, j.Name, 1)
			if err != nil {
				return nil, fmt.Errorf("reading the runs of job %s: %w", j.Name, err)
			}
			if len(runs) == 0 {
				continue
			}
			if runs[0].Status == store.RunRunning && v.now.Sub(runs[0].Started) < 2*j.Period {
				continue // its first run is still under way (the daemon's start-up catch-up)
			}
			detail += fmt.Sprintf(" (last run %s: %s)", runs[0].Started.UTC().Format(time.RFC3339), runs[0].Status)
		} else {
			detail = fmt.Sprintf("%s has not succeeded since %s", j.Name, last.UTC().Format(time.RFC3339))
		}
		out = append(out, Problem{Kind: KindDeadMan, Job: j.Name, Detail: detail})
	}
	return out, nil
}

// ackIndex answers whether a problem on a date of an instrument has been
// acknowledged.
func ackIndex(acks []store.Ack) func(market.Key, market.Date) bool {
	by := map[market.Key][]store.Ack{}
	for _, a := range acks {
		k := market.Key{Source: a.Source, Symbol: a.Symbol}
		by[k] = append(by[k], a)
	}
	return func(k market.Key, d market.Date) bool {
		for _, a := range by[k] {
			if d >= a.From && d <= a.To {
				return true
			}
		}
		return false
	}
}
