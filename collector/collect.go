package collector

import (
	"context"
	"fmt"
	"slices"

	"github.com/marketd/marketd/store"
)

// CollectRequest selects what an incremental run collects.
type CollectRequest struct {
	Filter
	// Job names the run in the run log ("collect" when empty).
	Job string
	// Run, when set, is a run record the caller (the scheduler) starts and
	// finishes itself: Collect fills its counts, status and results only.
	Run      *store.Run
	Progress Progress // nil: none
	// Resume is the command that resumes the run, for an interrupted
	// run's record and error (the CLI's command line; empty: none known).
	Resume string
	// Shared splits the run into work units that other hosts may join
	// (Work), when the collector has a UnitStore and anything is due.
	Shared bool
}

// Collect brings the selected active instruments up to the last closed
// session of their markets, re-fetching the restatement window. Failures
// of single instruments are in the summary (ExitCode 1), not the error;
// the error is for a run that could not be done or recorded, and wraps
// ErrInterrupted when ctx ended it.
func (c *Collector) Collect(ctx context.Context, req CollectRequest) (Summary, error) {
	if req.Job == "" {
		req.Job = JobCollect
	}
	p := c.newPlanner()
	insts, err := p.instruments(ctx, req.Filter)
	if err != nil {
		return Summary{}, err
	}
	items := make([]item, 0, len(insts))
	for _, inst := range insts {
		it, err := p.collectItem(ctx, inst)
		if err != nil {
			return Summary{}, err
		}
		items = append(items, it)
	}
	// A run record the caller has not started (no ID) has nothing for
	// units to refer to.
	if req.Shared && c.deps.Units != nil && (req.Run == nil || req.Run.ID != 0) && slices.ContainsFunc(items, func(it item) bool { return it.skip != skipUpToDate }) {
		return c.collectShared(ctx, req, items)
	}
	return c.run(ctx, items, req.Job, req.Run, req.Progress, req.Resume, true)
}

// run records a run of job (in run, when the caller keeps the record)
// doing the planned items; batch lets a BatchSource answer the items due
// for one session.
func (c *Collector) run(ctx context.Context, items []item, job string, run *store.Run, p Progress, resume string, batch bool) (Summary, error) {
	l, err := c.begin(ctx, job, run, p, resume)
	if err != nil {
		return Summary{}, err
	}
	l.plan(items)
	c.execute(ctx, items, l, batch)
	return c.end(ctx, l)
}

// end records the run and turns a cancelled context into ErrInterrupted.
func (c *Collector) end(ctx context.Context, l *runLog) (Summary, error) {
	interrupted := ctx.Err() != nil
	s, err := l.finish(ctx, interrupted)
	if err != nil {
		return s, err
	}
	if interrupted {
		return s, fmt.Errorf("%s run %d: %w (%w); committed work is kept; %s",
			s.Job, s.ID, ErrInterrupted, context.Cause(ctx), l.resume())
	}
	return s, nil
}
