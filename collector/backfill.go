package collector

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

// GapFinder returns the ranges of inst's history within from..to that the
// store is missing, as [first, last] session pairs. marketd passes the
// validator's (validate.GapFinder.Find), so that backfill --gaps-only
// fetches exactly the gaps the validator reports.
type GapFinder func(ctx context.Context, inst market.Instrument, from, to market.Date) ([][2]market.Date, error)

// BackfillRequest selects what a backfill fetches.
type BackfillRequest struct {
	Filter // Filter{} selects every active instrument (--all)
	// From defaults to the instrument's listing date, else Config.HistoryStart;
	// To defaults to the last closed session of its market.
	From, To market.Date
	// Gaps, when set, restricts the fetch to the ranges it finds (--gaps-only).
	Gaps GapFinder
	// DryRun plans and returns without fetching or recording a run.
	DryRun bool
	// Force fetches ranges the watermark says are stored.
	Force    bool
	Job      string // "backfill" when empty
	Progress Progress
	// Resume is the command that resumes the run (the CLI's command
	// line). Recorded in an interrupted run, it also lets a forced
	// backfill run again skip what the interrupted runs of the same
	// command finished: Force refetches stored ranges, not finished work.
	Resume string
	// Interval, when intraday, fetches minute bars of that interval
	// instead (BackfillMinutes), with Yahoo's pre- and post-market bars
	// when PrePost; Gaps and Shared do not apply.
	Interval market.Interval
	PrePost  bool
	// Shared splits the backfill into work units that every `marketd run`
	// on the database joins (Work); this process works on them too and
	// returns once the run is recorded. It needs a database that shares
	// runs (store.ErrSingleHost otherwise) and cannot take Gaps: the
	// hosts that join have no gap finder.
	Shared bool
}

// Plan is what a backfill will do.
type Plan struct {
	Items    []PlanItem
	Requests map[string]int           // per source
	Duration map[string]time.Duration // the source's rate limit applied to its requests; absent when unlimited or unknown
	Skipped  int                      // instruments already covered
}

// PlanItem is one instrument's share of a plan.
type PlanItem struct {
	Key    market.Key
	Ranges []Range
	Note   string // why nothing is fetched, when Ranges is empty
}

// Backfill fetches history. It commits instrument by instrument (in
// transactions of Config.WriteBatch bars, ascending) and moves watermarks
// as it goes, so a rerun after an interruption skips what is stored and
// resumes each instrument at its first hole. With DryRun it only returns
// the plan.
func (c *Collector) Backfill(ctx context.Context, req BackfillRequest) (Summary, Plan, error) {
	if req.Interval != 0 || req.PrePost {
		switch {
		case req.Gaps != nil:
			return Summary{}, Plan{}, errors.New("collector: a backfill of minute bars has no gap finder: it resumes at the first session with none stored")
		case req.Shared:
			return Summary{}, Plan{}, errors.New("collector: a backfill of minute bars is not shared: run it on this host alone")
		}
		return c.BackfillMinutes(ctx, MinuteBackfillRequest{Filter: req.Filter, Interval: req.Interval, PrePost: req.PrePost,
			From: req.From, To: req.To, DryRun: req.DryRun, Force: req.Force, Job: req.Job, Progress: req.Progress, Resume: req.Resume})
	}
	if req.Job == "" {
		req.Job = JobBackfill
	}
	if req.From != 0 && req.To != 0 && req.From > req.To {
		return Summary{}, Plan{}, fmt.Errorf("collector: backfill from %s is after to %s", req.From, req.To)
	}
	if req.Shared && !req.DryRun {
		if err := c.canShare(ctx, req); err != nil {
			return Summary{}, Plan{}, err
		}
	}
	p, insts, done, err := c.backfillStart(ctx, req.Filter, req.Force, req.Job, req.Resume)
	if err != nil {
		return Summary{}, Plan{}, err
	}
	items := make([]item, 0, len(insts))
	for _, inst := range insts {
		it, err := c.backfillItem(ctx, p, inst, req)
		if err != nil {
			return Summary{}, Plan{}, err
		}
		items = append(items, it.unlessDone(done))
	}
	if req.Shared && !req.DryRun && slices.ContainsFunc(items, func(it item) bool { return len(it.ranges) > 0 }) {
		plan := c.plan(items)
		l, err := c.begin(ctx, req.Job, nil, req.Progress, req.Resume)
		if err != nil {
			return Summary{}, plan, err
		}
		spec := unitSpec{Job: JobBackfill, Force: req.Force}
		if req.From != 0 {
			spec.From = req.From.String()
		}
		if req.To != 0 {
			spec.To = req.To.String()
		}
		s, err := c.runShared(ctx, l, items, spec)
		return s, plan, err
	}
	return c.runBackfill(ctx, items, req.Job, req.DryRun, req.Progress, req.Resume)
}

// backfillStart reads what both backfills plan from: the selected
// instruments and, for a forced backfill run again, what its interrupted
// runs finished.
func (c *Collector) backfillStart(ctx context.Context, f Filter, force bool, job, resume string) (*planner, []market.Instrument, map[market.Key]int64, error) {
	p := c.newPlanner()
	insts, err := p.instruments(ctx, f)
	if err != nil {
		return nil, nil, nil, err
	}
	var done map[market.Key]int64
	if force && resume != "" {
		if done, err = c.doneBefore(ctx, job, resume); err != nil {
			return nil, nil, nil, err
		}
	}
	return p, insts, done, nil
}

// unlessDone skips the item when done says an interrupted run of the same
// forced backfill finished it.
func (it item) unlessDone(done map[market.Key]int64) item {
	if id, ok := done[it.inst.Key]; ok && it.err == nil {
		it.ranges, it.skip = nil, fmt.Sprintf("fetched by the interrupted run %d", id)
	}
	return it
}

// runBackfill plans items and, unless dryRun, runs them as a run of job.
func (c *Collector) runBackfill(ctx context.Context, items []item, job string, dryRun bool, p Progress, resume string) (Summary, Plan, error) {
	plan := c.plan(items)
	if dryRun {
		return Summary{}, plan, nil
	}
	s, err := c.run(ctx, items, job, nil, p, resume, false)
	return s, plan, err
}

// canShare says why a shared backfill cannot be: a database that serves
// one host, or a request the joining hosts could not do alike.
func (c *Collector) canShare(ctx context.Context, req BackfillRequest) error {
	if req.Gaps != nil {
		return fmt.Errorf("collector: a shared backfill cannot fetch gaps only: the hosts that join it have no gap finder; run it on this host alone")
	}
	if c.deps.Units == nil {
		return fmt.Errorf("collector: a shared backfill: %w", store.ErrSingleHost)
	}
	if err := c.deps.Units.SharedWork(ctx); err != nil {
		return fmt.Errorf("collector: a shared backfill: %w", err)
	}
	return nil
}

func (c *Collector) backfillItem(ctx context.Context, p *planner, inst market.Instrument, req BackfillRequest) (item, error) {
	it, last, err := p.base(ctx, inst)
	if err != nil || it.err != nil {
		return it, err
	}
	from, to := req.From, req.To
	if from == 0 {
		from = c.historyStart(inst)
	}
	if to == 0 || to > last {
		to = last
	}
	if from > to {
		it.skip = fmt.Sprintf("nothing between %s and %s", from, to)
		return it, nil
	}
	if req.Gaps != nil {
		gaps, err := req.Gaps(ctx, inst, from, to)
		if err != nil {
			it.err = fmt.Errorf("find gaps of %s in %s..%s: %w", inst.Key, from, to, err)
			return it, nil
		}
		for _, g := range gaps {
			it.ranges = append(it.ranges, Range{g[0], g[1]})
		}
		if len(gaps) == 0 {
			it.skip = "no gaps"
		}
		return it, nil
	}
	// Whole history with no known listing date: the source starts where it
	// has data, and that is the listing date worth remembering, so that a
	// rerun knows this history is complete.
	it.learnListing = req.From == 0 && inst.Listed == 0
	if !req.Force {
		resume, err := c.resumeFrom(ctx, it, from, to)
		if err != nil {
			return it, err
		}
		if resume == 0 {
			it.skip = fmt.Sprintf("already stored %s..%s (force refetches)", from, to)
			return it, nil
		}
		from = resume
	}
	it.ranges = []Range{{from, to}}
	return it, nil
}

// doneBefore returns the instruments that the latest runs of job, while
// they are interrupted runs of the command resume, finished, with the run
// that did. A run of another command, or one that ended, ends the chain.
func (c *Collector) doneBefore(ctx context.Context, job, resume string) (map[market.Key]int64, error) {
	runs, err := c.deps.Store.Runs(ctx, job, maxResumedRuns)
	if err != nil {
		return nil, fmt.Errorf("collector: read the %s runs to resume: %w", job, err)
	}
	done := map[market.Key]int64{}
	for _, r := range runs {
		if r.Status != store.RunInterrupted || !slices.Contains(strings.Split(r.Message, "; "), resumeHint(resume)) {
			break
		}
		full, ok, err := c.deps.Store.RunByID(ctx, r.ID)
		if err != nil {
			return nil, fmt.Errorf("collector: read %s run %d to resume: %w", job, r.ID, err)
		}
		if !ok {
			continue
		}
		for _, rr := range full.Results {
			if _, seen := done[rr.Key]; !seen && (rr.Status == statusOK || rr.Status == statusNoData) {
				done[rr.Key] = r.ID
			}
		}
	}
	return done, nil
}

// maxResumedRuns bounds how many interrupted runs in a row a forced
// backfill looks back over.
const maxResumedRuns = 50

// minHole is how many consecutive sessions without a stored bar make a
// hole worth fetching: fewer are holidays the calendar does not know (it
// covers 2000 on) or halts, and re-fetching for them would make every
// rerun start over.
const minHole = 5

// resumeFrom returns where fetching from..to has to start given what is
// stored: the first session of the first hole (committed work is never
// fetched again), or 0 when nothing is missing. It reads one instrument's dates at a time, so memory stays bounded.
func (c *Collector) resumeFrom(ctx context.Context, it item, from, to market.Date) (market.Date, error) {
	bars, err := c.deps.Store.Bars(ctx, it.inst.Key, from, to)
	if err != nil {
		return 0, fmt.Errorf("collector: read stored bars of %s: %w", it.inst.Key, err)
	}
	if len(bars) == 0 {
		return from, nil
	}
	stored := make(map[market.Date]bool, len(bars))
	for _, b := range bars {
		stored[b.Date] = true
	}
	var hole []market.Date
	for _, d := range it.cal.Sessions(from, to) {
		if stored[d] {
			hole = hole[:0]
			continue
		}
		hole = append(hole, d)
		if len(hole) == minHole {
			return hole[0], nil
		}
	}
	if len(hole) > 0 && hole[len(hole)-1] == to && !stored[to] && it.wm < to {
		// The newest sessions are missing: not a holiday, just not fetched yet.
		return hole[0], nil
	}
	return 0, nil
}

func (c *Collector) plan(items []item) Plan {
	p := Plan{Requests: map[string]int{}, Duration: map[string]time.Duration{}}
	for _, it := range items {
		pi := PlanItem{Key: it.inst.Key, Ranges: it.ranges, Note: it.skip}
		if it.err != nil {
			pi.Note = it.err.Error()
		} else if it.skip == "" && it.minutes != nil { // sessions asked for that the source no longer serves
			pi.Note = it.minutes.note
		}
		if it.skip != "" {
			p.Skipped++
		}
		p.Requests[it.inst.Source] += it.requests()
		p.Items = append(p.Items, pi)
	}
	for src, n := range p.Requests {
		if r := float64(c.cfg.source(src).Rate); r > 0 && !math.IsInf(r, 1) {
			p.Duration[src] = time.Duration(float64(n) / r * float64(time.Second))
		}
	}
	return p
}

// String is the plan as the dry run prints it.
func (p Plan) String() string {
	var s string
	for _, it := range p.Items {
		switch {
		case len(it.Ranges) > 0 && it.Note != "":
			s += fmt.Sprintf("%s: %v (%s)\n", it.Key, it.Ranges, it.Note)
		case len(it.Ranges) > 0:
			s += fmt.Sprintf("%s: %v\n", it.Key, it.Ranges)
		default:
			s += fmt.Sprintf("%s: skip (%s)\n", it.Key, it.Note)
		}
	}
	srcs := make([]string, 0, len(p.Requests))
	for src := range p.Requests {
		srcs = append(srcs, src)
	}
	sort.Strings(srcs)
	for _, src := range srcs {
		s += fmt.Sprintf("%s: %s", src, plural(p.Requests[src], "request"))
		if d, ok := p.Duration[src]; ok {
			s += fmt.Sprintf(", about %s at the configured rate", d.Round(time.Second))
		}
		s += "\n"
	}
	return s + fmt.Sprintf("%s, %d already covered\n", plural(len(p.Items), "instrument"), p.Skipped)
}

// plural counts things in words: "1 request", "2 requests".
func plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}
