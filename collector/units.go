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
	SharedWork(ctx context.Context) error
	ClaimUnit(ctx context.Context, runID int64, source, owner, host string, lease time.Duration) (store.Unit, bool, error)
	RenewUnit(ctx context.Context, runID int64, number int, owner string, lease time.Duration) error
	ReleaseUnit(ctx context.Context, runID int64, number int, owner string) error
	WriteUnit(ctx context.Context, batch []store.Write, done store.UnitCompletion) (store.WriteResult, error)
	Units(ctx context.Context, runID int64) ([]store.Unit, error)

	// A shared run's ownership (sharedrun.go).
	ShareRun(ctx context.Context, sr store.SharedRun, lease time.Duration, units []store.Unit) error
	SharedRunOf(ctx context.Context, runID int64) (store.SharedRun, bool, error)
	RenewRun(ctx context.Context, runID int64, owner string, lease time.Duration) error
	ReleaseRun(ctx context.Context, runID int64, owner string) (bool, error)
	TakeOverRun(ctx context.Context, runID int64, owner, host string, pid int, lease time.Duration) (bool, error)
	FinishSharedRun(ctx context.Context, r *store.Run, owner string) error
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

// WorkTally counts the units one host claimed in a run, those it finished
// and those it let go unfinished (lease lost, database unreachable,
// stopped): another host takes those over. Instruments counts the
// instruments of the units it finished: its throughput.
type WorkTally struct{ Claimed, Done, Lost, Instruments int }

func (t WorkTally) add(o WorkTally) WorkTally {
	return WorkTally{t.Claimed + o.Claimed, t.Done + o.Done, t.Lost + o.Lost, t.Instruments + o.Instruments}
}

// Work claims units of run id, one per source at a time, and works on
// each until none is left to claim. The owner of a run calls it, and so
// does every host that joins the run.
func (c *Collector) Work(ctx context.Context, id int64) (WorkTally, error) {
	if c.deps.Units == nil {
		return WorkTally{}, fmt.Errorf("collector: run %d: %w", id, store.ErrSingleHost)
	}
	spec, err := c.specOf(ctx, id)
	if err != nil {
		return WorkTally{}, err
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
				u, ok, err := c.claimUnit(ctx, id, src)
				var t WorkTally
				if err == nil && ok {
					t.Claimed = 1
					var n int
					if n, err = c.runUnit(ctx, u, spec); err != nil {
						t.Lost = 1
					} else {
						t.Done, t.Instruments = 1, n
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

// claimUnit claims the next open unit of src. The claim is not cancelled
// with ctx: a claim the server committed while the client gave up would
// hold the unit until its lease ran out. A unit claimed as ctx ends is
// handed back at once.
func (c *Collector) claimUnit(ctx context.Context, id int64, src string) (store.Unit, bool, error) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), handOverTimeout)
	defer cancel()
	u, ok, err := c.deps.Units.ClaimUnit(cctx, id, src, c.cfg.Owner, c.cfg.Claimant, c.cfg.Lease)
	if err != nil || !ok || ctx.Err() == nil {
		return u, ok, err
	}
	c.handOver(ctx, u)
	return store.Unit{}, false, nil
}

// handOver releases a unit this host stops working on, so that another
// host may have it now rather than when its lease runs out.
func (c *Collector) handOver(ctx context.Context, u store.Unit) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), handOverTimeout)
	defer cancel()
	if err := c.deps.Units.ReleaseUnit(rctx, u.RunID, u.Number, c.cfg.Owner); err != nil {
		c.deps.Log.Warn("cannot hand the unit over; another host takes it when its lease runs out", "run", u.RunID, "unit", u.Number, "err", err)
	}
}

// runUnit plans the unit's instruments as spec says from what is stored
// now (a unit taken over from a lost host resumes where it committed),
// fetches and stores them, and completes the unit with its last write. It
// returns how many instruments the unit came to. Losing the lease stops
// the work: another host owns the unit. So does a write the database
// refuses for want of a connection: nothing more would commit.
func (c *Collector) runUnit(ctx context.Context, u store.Unit, spec unitSpec) (n int, err error) {
	uctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stopLease := c.holdLease(uctx, func(ctx context.Context) error {
		return c.deps.Units.RenewUnit(ctx, u.RunID, u.Number, c.cfg.Owner, c.cfg.Lease)
	}, fmt.Sprintf("unit %d of run %d", u.Number, u.RunID), false, cancel)
	defer func() {
		// The renewer stops first: a renewal committed after the release
		// would keep the unit from the other hosts for a whole lease.
		stopLease()
		if err != nil && ctx.Err() != nil {
			// Stopping, whether planning, fetching or writing.
			c.handOver(ctx, u)
		}
	}()
	var stats0 httpx.Stats
	if c.deps.Stats != nil {
		stats0 = c.deps.Stats()[u.Source]
	}

	// An instrument deactivated since the unit was made is left out.
	insts, err := c.deps.Store.Instruments(uctx, store.InstrumentFilter{Source: u.Source, Symbols: u.Symbols, ActiveOnly: true})
	if err != nil {
		return 0, fmt.Errorf("collector: instruments of unit %d of run %d: %w", u.Number, u.RunID, err)
	}
	slices.SortFunc(insts, func(a, b market.Instrument) int { return cmp.Compare(a.Symbol, b.Symbol) })
	p := c.newPlanner()
	items := make([]item, 0, len(insts))
	for _, inst := range insts {
		it, err := spec.plan(uctx, c, p, inst)
		if err != nil {
			return 0, fmt.Errorf("collector: unit %d of run %d: %w", u.Number, u.RunID, err)
		}
		items = append(items, it)
	}
	ul := &runLog{c: c, remaining: map[string]int{}, storeLost: func(err error) {
		// Out of reach, not refusing this instrument's data (which fails
		// the instrument, as in any run): another host redoes the unit.
		if t, ok := c.deps.Store.(interface{ Transient(error) bool }); ok && t.Transient(err) {
			cancel(fmt.Errorf("unit %d of run %d stopped: the database is out of reach: %w", u.Number, u.RunID, err))
		}
	}}
	var held heldWrite
	if n := len(items); n > 0 {
		c.execute(uctx, items[:n-1], ul, spec.batch())
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
		return 0, fmt.Errorf("collector: unit %d of run %d not finished: %w", u.Number, u.RunID, context.Cause(uctx))
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
		return 0, fmt.Errorf("collector: complete unit %d of run %d: %w", u.Number, u.RunID, err)
	}
	return s.OK + s.Failed + s.Skipped, nil
}

// holdLease renews a lease (what names it) every third of
// Config.Lease until stop is called. When the lease is lost (another host
// took it over) or, unless untilLost, cannot be renewed before it runs out
// (the database is unreachable), it cancels ctx's work with the reason:
// nothing more is committed under it here. With untilLost it keeps trying
// through an unreachable database until the lease is taken.
func (c *Collector) holdLease(ctx context.Context, renew func(context.Context) error, what string, untilLost bool, cancel context.CancelCauseFunc) (stop func()) {
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
			// Not cancelled by stop: a renewal the server commits after
			// the client gave up could land after the hand-over that
			// follows stop. stop waits for it instead (Lease/3 at most).
			rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), c.cfg.Lease/3)
			err := renew(rctx)
			rcancel()
			switch {
			case err == nil:
				renewed = time.Now()
			case errors.Is(err, store.ErrLeaseLost):
				cancel(err)
				return
			case !untilLost && time.Since(renewed) >= c.cfg.Lease:
				cancel(fmt.Errorf("lease of %s ran out: cannot renew it: %w", what, err))
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
