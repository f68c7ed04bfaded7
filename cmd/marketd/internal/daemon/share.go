package daemon

import (
	"context"
	"sync"
	"time"
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
// daemon is not already working on, until ctx ends; it then waits for the
// work in flight, whose units' leases other hosts take over once they run
// out.
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
		ids, err := d.st.OpenUnitRuns(ctx)
		if err != nil {
			if ctx.Err() == nil {
				d.log.Warn("cannot look for shared runs to join", "err", d.Config().Redact(err))
			}
			continue
		}
		for _, id := range ids {
			if !d.share.begin(id) {
				continue
			}
			d.share.wg.Go(func() {
				defer d.share.end(id)
				t, err := d.current().Collector.Work(ctx, id)
				d.m.AddUnits(t.Claimed, t.Done, t.Lost)
				if err != nil && ctx.Err() == nil {
					d.log.Warn("work on a shared run stopped", "run", id, "units_done", t.Done, "units_lost", t.Lost, "err", d.Config().Redact(err))
					return
				}
				d.log.Info("worked on a shared run", "run", id, "units_done", t.Done)
			})
		}
	}
}
