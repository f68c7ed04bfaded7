package collector

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/marketd/marketd/sources/httpx"
	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

// UnitStore is what a run shared between hosts needs of the store
// (MySQL/MariaDB; store.ErrSingleHost elsewhere).
type UnitStore interface {
	CreateUnits(ctx context.Context, runID int64, units []store.Unit) error
	ClaimUnit(ctx context.Context, runID int64, source, owner, host string, lease time.Duration) (store.Unit, bool, error)
	RenewUnit(ctx context.Context, runID int64, number int, owner string, lease time.Duration) error
	WriteUnit(ctx context.Context, batch []store.Write, done store.UnitCompletion) (store.WriteResult, error)
	Units(ctx context.Context, runID int64) ([]store.Unit, error)
}

// newOwner names this collector as a claimant: host, process and a random
// instance id, so that two collectors of one process never pass for each
// other.
func newOwner(host string) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

// splitUnits groups items by source (they come sorted by source and
// symbol) into units of at most size instruments.
func splitUnits(items []item, size int) []store.Unit {
	var out []store.Unit
	for _, it := range items {
		if n := len(out); n == 0 || out[n-1].Source != it.inst.Source || len(out[n-1].Symbols) >= size {
			out = append(out, store.Unit{Source: it.inst.Source})
		}
		u := &out[len(out)-1]
		u.Symbols = append(u.Symbols, it.inst.Symbol)
	}
	return out
}

// collectShared runs a planned collect as work units: it creates the run's
// units, works on them with every other host that joins (Work), and waits
// until all are done. The run's counts are the sums of its units.
func (c *Collector) collectShared(ctx context.Context, req CollectRequest, items []item) (Summary, error) {
	l, err := c.begin(ctx, req.Job, req.Run, req.Progress, req.Resume)
	if err != nil {
		return Summary{}, err
	}
	id := l.run.ID
	units := splitUnits(items, c.cfg.UnitSize)
	if err := c.deps.Units.CreateUnits(ctx, id, units); err != nil {
		// Nothing was shared yet: the run is done here, alone.
		c.deps.Log.Warn("cannot share the run as work units; running it on this host", "run", id, "err", err)
		l.plan(items)
		c.execute(ctx, items, l, true)
		return c.end(ctx, l)
	}
	c.deps.Log.Info("run shared as work units", "run", id, "job", req.Job, "units", len(units), "instruments", len(items))
	l.total = len(items)
	for {
		t, err := c.Work(ctx, id)
		l.tally = l.tally.add(t)
		if err != nil && ctx.Err() == nil {
			c.deps.Log.Warn("cannot work on units", "run", id, "err", err)
		}
		all, err := c.deps.Units.Units(context.WithoutCancel(ctx), id)
		if err == nil && !slices.ContainsFunc(all, func(u store.Unit) bool { return u.State != store.UnitDone }) || ctx.Err() != nil {
			if err == nil {
				l.units = all
			}
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(c.cfg.UnitPoll):
		}
	}
	if l.units == nil {
		// Interrupted: count what the units finished so far.
		l.units, _ = c.deps.Units.Units(context.WithoutCancel(ctx), id)
	}
	if run, ok, err := c.deps.Store.RunByID(context.WithoutCancel(ctx), id); err == nil && ok {
		l.sum.Results = run.Results // every host's, stored with each unit's completion
	}
	return c.end(ctx, l)
}

// WorkTally counts the units one host claimed in a run, those it finished
// and those it let go unfinished (lease lost, database unreachable,
// stopped): another host takes those over.
type WorkTally struct{ Claimed, Done, Lost int }

func (t WorkTally) add(o WorkTally) WorkTally {
	return WorkTally{t.Claimed + o.Claimed, t.Done + o.Done, t.Lost + o.Lost}
}

// Work claims units of run id, one per source at a time, and works on
// each until none is left to claim. The owner of a run calls it, and so
// does every host that joins the run.
func (c *Collector) Work(ctx context.Context, id int64) (WorkTally, error) {
	if c.deps.Units == nil {
		return WorkTally{}, fmt.Errorf("collector: run %d: %w", id, store.ErrSingleHost)
	}
	units, err := c.deps.Units.Units(ctx, id)
	if err != nil {
		return WorkTally{}, fmt.Errorf("collector: units of run %d: %w", id, err)
	}
	var sources []string
	for _, u := range units {
		if u.State != store.UnitDone && !slices.Contains(sources, u.Source) {
			sources = append(sources, u.Source)
		}
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		tally WorkTally
		errs  []error
	)
	for _, src := range sources {
		wg.Go(func() {
			for ctx.Err() == nil {
				u, ok, err := c.deps.Units.ClaimUnit(ctx, id, src, c.cfg.Owner, c.cfg.Claimant, c.cfg.Lease)
				var t WorkTally
				if err == nil && ok {
					t.Claimed = 1
					if err = c.runUnit(ctx, u); err != nil {
						t.Lost = 1
					} else {
						t.Done = 1
					}
				}
				mu.Lock()
				tally = tally.add(t)
				if err != nil {
					errs = append(errs, err)
				}
				mu.Unlock()
				if err != nil || !ok {
					return
				}
			}
		})
	}
	wg.Wait()
	return tally, errors.Join(errs...)
}

// runUnit plans the unit's instruments from the watermarks as they are
// now (a unit taken over from a lost host resumes where it committed),
// fetches and stores them, and completes the unit with its last write.
// Losing the lease stops the work: another host owns the unit.
func (c *Collector) runUnit(ctx context.Context, u store.Unit) error {
	uctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stopLease := c.keepLease(uctx, u, cancel)
	defer stopLease()
	var stats0 httpx.Stats
	if c.deps.Stats != nil {
		stats0 = c.deps.Stats()[u.Source]
	}

	// An instrument deactivated since the unit was made is left out.
	insts, err := c.deps.Store.Instruments(uctx, store.InstrumentFilter{Source: u.Source, Symbols: u.Symbols, ActiveOnly: true})
	if err != nil {
		return fmt.Errorf("collector: instruments of unit %d of run %d: %w", u.Number, u.RunID, err)
	}
	slices.SortFunc(insts, func(a, b market.Instrument) int { return cmp.Compare(a.Symbol, b.Symbol) })
	p := c.newPlanner()
	items := make([]item, 0, len(insts))
	for _, inst := range insts {
		it, err := p.collectItem(uctx, inst)
		if err != nil {
			return fmt.Errorf("collector: unit %d of run %d: %w", u.Number, u.RunID, err)
		}
		items = append(items, it)
	}
	ul := &runLog{c: c, remaining: map[string]int{}}
	var held heldWrite
	if n := len(items); n > 0 {
		c.execute(uctx, items[:n-1], ul, true)
		if uctx.Err() == nil {
			last := items[n-1]
			last.hold = &held
			r := c.process(uctx, c.deps.Sources[last.inst.Source], last)
			if held.w != nil {
				r.rr.Rows += len(held.w.Bars) // each is inserted, changed or unchanged
			}
			ul.add(r)
		}
	}
	if uctx.Err() != nil {
		return fmt.Errorf("collector: unit %d of run %d not finished: %w", u.Number, u.RunID, context.Cause(uctx))
	}
	s := ul.sum
	counts := store.UnitCounts{OK: s.OK, Failed: s.Failed, Skipped: s.Skipped,
		Inserted: s.Inserted, Changed: s.Changed, Unchanged: s.Unchanged}
	if c.deps.Stats != nil {
		t := c.deps.Stats()[u.Source].Sub(stats0)
		counts.Requests, counts.Throttled, counts.Retries = int(t.Requests), int(t.Throttled), int(t.Retries)
	}
	var batch []store.Write
	if held.w != nil {
		batch = []store.Write{*held.w}
	}
	wctx, wcancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer wcancel()
	_, err = c.deps.Units.WriteUnit(wctx, batch, store.UnitCompletion{
		RunID: u.RunID, Number: u.Number, Owner: c.cfg.Owner, Counts: counts, Results: s.Results})
	if err != nil {
		return fmt.Errorf("collector: complete unit %d of run %d: %w", u.Number, u.RunID, err)
	}
	return nil
}

// keepLease renews the unit's lease every third of it until stop is
// called. When the lease is lost (another host took the unit) or cannot be
// renewed before it runs out (the database is unreachable), it cancels the
// unit's work with the reason: nothing more is committed for it here.
func (c *Collector) keepLease(ctx context.Context, u store.Unit, cancel context.CancelCauseFunc) (stop func()) {
	ctx, stopCtx := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(c.cfg.Lease / 3)
		defer t.Stop()
		renewed := time.Now()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			rctx, rcancel := context.WithTimeout(ctx, c.cfg.Lease/3)
			err := c.deps.Units.RenewUnit(rctx, u.RunID, u.Number, c.cfg.Owner, c.cfg.Lease)
			rcancel()
			switch {
			case err == nil:
				renewed = time.Now()
			case errors.Is(err, store.ErrLeaseLost):
				cancel(err)
				return
			case time.Since(renewed) >= c.cfg.Lease:
				cancel(fmt.Errorf("lease of unit %d of run %d ran out: cannot renew it: %w", u.Number, u.RunID, err))
				return
			}
		}
	}()
	return func() {
		stopCtx()
		<-done
	}
}

// unitHosts names the hosts that finished units, with how many each:
// "ip-10-0-0-1 (3), ip-10-0-0-2 (2)".
func unitHosts(units []store.Unit) string {
	n := map[string]int{}
	for _, u := range units {
		if u.State == store.UnitDone {
			n[u.Host]++
		}
	}
	hosts := make([]string, 0, len(n))
	for h := range n {
		hosts = append(hosts, h)
	}
	slices.SortFunc(hosts, func(a, b string) int { return cmp.Compare(a, b) })
	if len(hosts) == 0 {
		return "no host yet"
	}
	parts := make([]string, len(hosts))
	for i, h := range hosts {
		parts[i] = fmt.Sprintf("%s (%d)", h, n[h])
	}
	return strings.Join(parts, ", ")
}
