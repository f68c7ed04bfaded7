package collector

import (
	"context"
	"fmt"

	"github.com/marketd/marketd/sources/market"
)

// MinuteBackfillRequest selects what BackfillMinutes fetches.
type MinuteBackfillRequest struct {
	Filter   // Filter{} selects every active instrument
	Interval market.Interval
	// PrePost also fetches the bars outside the regular session where the
	// source has them (Yahoo).
	PrePost bool
	// From is the first session (default: as far back as the source
	// serves Interval); To the last (default: the last closed one).
	From, To market.Date
	DryRun   bool
	// Force fetches sessions already stored.
	Force    bool
	Job      string // "backfill" when empty
	Progress Progress
	// Resume is the command that resumes the run, as in BackfillRequest:
	// a forced backfill run again skips what its interrupted runs finished.
	Resume string
}

// BackfillMinutes fetches the selected instruments' bars of one intraday
// interval, as far back as the source serves them (sessions before that
// are named in the instrument's result, not fetched). Like Backfill it
// commits as it goes, whole sessions in ascending order, and a rerun
// resumes each instrument at its first session with nothing stored; with
// DryRun it only returns the plan.
func (c *Collector) BackfillMinutes(ctx context.Context, req MinuteBackfillRequest) (Summary, Plan, error) {
	if req.Job == "" {
		req.Job = JobBackfill
	}
	if !req.Interval.Intraday() {
		return Summary{}, Plan{}, fmt.Errorf("collector: backfill minutes: interval %s is not intraday (want 1m, 5m or 60m)", req.Interval)
	}
	if req.From != 0 && req.To != 0 && req.From > req.To {
		return Summary{}, Plan{}, fmt.Errorf("collector: backfill from %s is after to %s", req.From, req.To)
	}
	p, insts, done, err := c.backfillStart(ctx, req.Filter, req.Force, req.Job, req.Resume)
	if err != nil {
		return Summary{}, Plan{}, err
	}
	items := make([]item, 0, len(insts))
	for _, inst := range insts {
		it, last := p.minuteBase(ctx, inst, req.Interval, req.PrePost)
		if it.err == nil {
			if err := c.minuteBackfillSpan(ctx, &it, last, req); err != nil {
				return Summary{}, Plan{}, err
			}
		}
		items = append(items, it.unlessDone(done))
	}
	defer c.shareWriter(ctx, items)()
	return c.runBackfill(ctx, items, req.Job, req.DryRun, req.Progress, req.Resume)
}

// minuteBackfillSpan plans one instrument's backfill through its last
// closed session: from req.From (a start before the source's reach is
// reported) or the reach, and without Force from the first session that
// has no bar stored.
func (c *Collector) minuteBackfillSpan(ctx context.Context, it *item, last market.Date, req MinuteBackfillRequest) error {
	m := it.minutes
	to := last
	if req.To != 0 && req.To < to {
		to = req.To
	}
	from, report := req.From, req.From != 0
	if from == 0 {
		from = market.DateOf(m.served.In(m.loc))
	}
	if from > to {
		it.skip = fmt.Sprintf("nothing between %s and %s", from, to)
		return nil
	}
	m.span(it, from, to, report)
	if req.Force || len(it.ranges) == 0 {
		return nil
	}
	r := it.ranges[0]
	resume, err := c.firstUnstored(ctx, it, r)
	if err != nil {
		return err
	}
	if resume == 0 {
		it.ranges, it.skip = nil, fmt.Sprintf("already stored %s..%s (force refetches)", r.From, r.To)
		return nil
	}
	note := m.note
	m.span(it, resume, r.To, false)
	m.note = note
	return nil
}

// firstUnstored returns the first session of r with no bar of the item's
// interval stored, or 0 when every one has some: committed sessions are
// not fetched again.
func (c *Collector) firstUnstored(ctx context.Context, it *item, r Range) (market.Date, error) {
	m := it.minutes
	// Counted by the database: a month of 1m bars is 8,000 rows, and a
	// backfill of a whole market plans thousands of instruments.
	have, err := c.deps.Store.MinuteCounts(ctx, it.inst.Key, m.iv, m.loc, r.From, r.To)
	if err != nil {
		return 0, fmt.Errorf("collector: count stored %s minutes of %s: %w", m.iv, it.inst.Key, err)
	}
	for _, d := range it.cal.Sessions(r.From, r.To) {
		if have[d] == 0 {
			return d, nil
		}
	}
	return 0, nil
}
