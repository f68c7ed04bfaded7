package daemon

import (
	"context"
	"sync"
	"time"

	"github.com/marketd/marketd/collector"
)

// DefaultJoinEvery is how often a daemon on a database that shares runs
// looks for open runs of other hosts to join: a host joins within a few
// seconds of a run being split into units.
const DefaultJoinEvery = 500 * time.Millisecond

// sharing is a daemon's part in runs shared between hosts: the runs it is
// working on (its own scheduled ones and those it joined), so that it
// joins each only once.
type sharing struct {
	mu      sync.Mutex
	working map[int64]bool
	wg      sync.WaitGroup
}

// begin marks run id as worked on here; false when it already was.
func (s *sharing) begin(id int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.working[id] {
		return false
	}
	s.working[id] = true
	return true
}

func (s *sharing) end(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.working, id)
}

// joinRuns polls for runs with claimable units and works on each one this
// daemon is not already working on, and takes over the runs whose owner's
// lease ran out, until ctx ends; it then waits for the work in flight,
// whose leases other hosts take over once they run out.
func (d *Daemon) joinRuns(ctx context.Context) {
	every := d.deps.JoinEvery
	if every <= 0 {
		every = DefaultJoinEvery
	}
	t := time.NewTicker(every)
	defer t.Stop()
	defer d.share.wg.Wait()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		orphans, err := d.st.OrphanedRuns(ctx)
		if err == nil {
			var open []int64
			open, err = d.st.OpenUnitRuns(ctx)
			d.joinEach(ctx, orphans, d.adopt)
			d.joinEach(ctx, open, d.work)
		}
		if err != nil && ctx.Err() == nil {
			d.log.Warn("cannot look for shared runs to join", "err", d.Config().Redact(err))
		}
	}
}

// joinEach calls do for each run of ids this daemon is not working on.
func (d *Daemon) joinEach(ctx context.Context, ids []int64, do func(context.Context, *collector.Collector, int64)) {
	for _, id := range ids {
		if !d.share.begin(id) {
			continue
		}
		d.share.wg.Go(func() {
			defer d.share.end(id)
			do(ctx, d.current().Collector, id)
		})
	}
}

// work works on the units of run id until none is left to claim.
func (d *Daemon) work(ctx context.Context, c *collector.Collector, id int64) {
	t, err := c.Work(ctx, id)
	d.m.AddUnits(c.Claimant(), t.Claimed, t.Done, t.Lost, t.Instruments)
	if err != nil && ctx.Err() == nil {
		d.log.Warn("work on a shared run stopped", "run", id, "units_done", t.Done, "units_lost", t.Lost, "err", d.Config().Redact(err))
		return
	}
	d.log.Info("worked on a shared run", "run", id, "units_done", t.Done)
}

// adopt takes over run id, whose owner's lease ran out, and records it
// once its units are done: the log line and the run's metrics and pings
// are this daemon's to give, the owner being gone.
func (d *Daemon) adopt(ctx context.Context, c *collector.Collector, id int64) {
	s, ok, err := c.Adopt(ctx, id)
	d.m.AddUnits(c.Claimant(), s.Units.Claimed, s.Units.Done, s.Units.Lost, s.Units.Instruments)
	switch {
	case err != nil && ctx.Err() == nil:
		d.log.Warn("cannot finish a shared run taken over", "run", id, "err", d.Config().Redact(err))
	case err != nil || !ok:
	default:
		d.log.Info("run finished", "run", id, "job", s.Job, "status", s.Status, "duration", s.Finished.Sub(s.Started),
			"ok", s.OK, "failed", s.Failed, "skipped", s.Skipped, "inserted", s.Inserted, "changed", s.Changed,
			"requests", s.Requests, "message", s.Message)
		d.runFinished(s.Run)
	}
}
