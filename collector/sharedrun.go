package collector

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

// handOverTimeout bounds handing a run over as its owner stops.
const handOverTimeout = 10 * time.Second

// unitSpec is what every unit of a shared run does, stored with the run
// (store.SharedRun.Spec) so that any host that joins does the same.
type unitSpec struct {
	Job   string `json:"job"` // JobBackfill, or a collect ("" for runs shared before specs)
	From  string `json:"from,omitempty"`
	To    string `json:"to,omitempty"`
	Force bool   `json:"force,omitempty"`
}

func (s unitSpec) backfill() bool { return s.Job == JobBackfill }

// batch says whether a BatchSource may answer the unit's items (a collect's
// latest sessions).
func (s unitSpec) batch() bool { return !s.backfill() }

// plan plans one instrument of a unit as the run's job would, from what is
// stored now.
func (s unitSpec) plan(ctx context.Context, c *Collector, p *planner, inst market.Instrument) (item, error) {
	if !s.backfill() {
		return p.collectItem(ctx, inst)
	}
	req := BackfillRequest{Force: s.Force}
	var err error
	if s.From != "" {
		if req.From, err = market.ParseDate(s.From); err != nil {
			return item{}, fmt.Errorf("shared run's from date: %w", err)
		}
	}
	if s.To != "" {
		if req.To, err = market.ParseDate(s.To); err != nil {
			return item{}, fmt.Errorf("shared run's to date: %w", err)
		}
	}
	return c.backfillItem(ctx, p, inst, req)
}

// specOf reads what the units of run id do.
func (c *Collector) specOf(ctx context.Context, id int64) (unitSpec, error) {
	sr, ok, err := c.deps.Units.SharedRunOf(ctx, id)
	if err != nil {
		return unitSpec{}, fmt.Errorf("collector: run %d: %w", id, err)
	}
	var spec unitSpec
	if ok && sr.Spec != "" {
		if err := json.Unmarshal([]byte(sr.Spec), &spec); err != nil {
			return unitSpec{}, fmt.Errorf("collector: run %d: what its units do (%q): %w", id, sr.Spec, err)
		}
	}
	return spec, nil
}

// runShared runs planned items as work units of l's run: it splits them,
// records this collector as the run's owner, works on the units with
// every host that joins (Work), and records the run once all are done.
// Its counts are the sums of its units.
func (c *Collector) runShared(ctx context.Context, l *runLog, items []item, spec unitSpec) (Summary, error) {
	id := l.run.ID
	units := splitUnits(items, c.cfg.UnitSize)
	raw, err := json.Marshal(spec)
	if err == nil {
		err = c.deps.Units.ShareRun(ctx, store.SharedRun{RunID: id, Spec: string(raw), Owner: c.cfg.Owner, Host: c.cfg.Claimant}, c.cfg.Lease, units)
	}
	if err != nil {
		// Nothing was shared yet: the run is done here, alone.
		c.deps.Log.Warn("cannot share the run as work units; running it on this host", "run", id, "err", err)
		l.plan(items)
		c.execute(ctx, items, l, spec.batch())
		return c.end(ctx, l)
	}
	c.deps.Log.Info("run shared as work units", "run", id, "job", l.run.Job, "units", len(units), "instruments", len(items))
	l.owner, l.total = c.cfg.Owner, len(items)
	if l.progress != nil {
		l.progress.Start(l.status())
	}
	return c.own(ctx, l)
}

// Adopt takes over shared run id when the lease of its owner has run out
// (the owner died, lost the database, or stopped and released it): this
// host then works on its units like any other, keeps the run's heartbeat,
// and records the run once every unit is done. ok is false when the run
// was not there to take (its owner is alive, another host took it first,
// or it ended). Stopped (ctx) before the end, it hands the run over in
// turn.
func (c *Collector) Adopt(ctx context.Context, id int64) (s Summary, ok bool, err error) {
	if c.deps.Units == nil {
		return Summary{}, false, fmt.Errorf("collector: run %d: %w", id, store.ErrSingleHost)
	}
	sr, shared, err := c.deps.Units.SharedRunOf(ctx, id)
	if err != nil || !shared {
		return Summary{}, false, err
	}
	if ok, err := c.deps.Units.TakeOverRun(ctx, id, c.cfg.Owner, c.cfg.Claimant, os.Getpid(), c.cfg.Lease); err != nil || !ok {
		return Summary{}, false, err
	}
	run, found, err := c.deps.Store.RunByID(ctx, id)
	if err != nil || !found {
		return Summary{}, true, fmt.Errorf("collector: read run %d taken over: %w (found: %v)", id, err, found)
	}
	c.deps.Log.Warn("took over a shared run: its owner is gone or stopped", "run", id, "job", run.Job, "owner", sr.Host)
	stopBeat := c.deps.Store.KeepAlive(ctx, id, store.HeartbeatEvery)
	defer stopBeat()
	l := &runLog{c: c, run: &run, remaining: map[string]int{}, owner: c.cfg.Owner, takenFrom: sr.Host}
	s, err = c.own(ctx, l)
	return s, true, err
}

// own holds the run's lease while this host works on its units and waits
// for the others', then records the run. It returns an error wrapping
// store.ErrLeaseLost when another host took the run over: that host
// records it.
func (c *Collector) own(ctx context.Context, l *runLog) (Summary, error) {
	id := l.run.ID
	octx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	// A database out of reach does not end the ownership: the units'
	// own leases stop their work, and only a host that took the run over
	// (the lease ran out meanwhile) ends it.
	stopLease := c.holdLease(octx, func(ctx context.Context) error {
		return c.deps.Units.RenewRun(ctx, id, c.cfg.Owner, c.cfg.Lease)
	}, fmt.Sprintf("run %d", id), true, cancel)
	for {
		t, err := c.Work(octx, id)
		l.tally = l.tally.add(t)
		if err != nil && octx.Err() == nil {
			c.deps.Log.Warn("cannot work on units", "run", id, "err", err)
		}
		all, err := c.deps.Units.Units(context.WithoutCancel(ctx), id)
		if err == nil {
			l.units = all
			l.fromUnits(all)
		}
		if err == nil && !slices.ContainsFunc(all, func(u store.Unit) bool { return u.State != store.UnitDone }) || octx.Err() != nil {
			break
		}
		select {
		case <-octx.Done():
		case <-time.After(c.cfg.UnitPoll):
		}
	}
	stopLease()
	if cause := context.Cause(octx); errors.Is(cause, store.ErrLeaseLost) {
		return Summary{Run: *l.run, Units: l.tally}, fmt.Errorf("collector: %s run %d: %w", l.run.Job, id, cause)
	}
	if ctx.Err() != nil && !l.owned {
		// A daemon that stops hands the run over: a host still working on
		// it takes it over at once and records it. (A command run by
		// hand, which its user stopped, records its run interrupted.)
		rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), handOverTimeout)
		released, err := c.deps.Units.ReleaseRun(rctx, id, c.cfg.Owner)
		rcancel()
		if err == nil && released {
			c.deps.Log.Info("stopping: shared run handed over to the hosts working on it", "run", id, "job", l.run.Job)
			return Summary{Run: *l.run, Units: l.tally}, fmt.Errorf("collector: %s run %d handed over (%w): %w: the host that takes it over records it",
				l.run.Job, id, context.Cause(ctx), store.ErrLeaseLost)
		}
		c.deps.Log.Warn("cannot hand the shared run over; recording it interrupted", "run", id, "released", released, "err", err)
	}
	if run, ok, err := c.deps.Store.RunByID(context.WithoutCancel(ctx), id); err == nil && ok {
		l.sum.Results = run.Results // every host's, stored with each unit's completion
	}
	return c.end(ctx, l)
}

// fromUnits sets the run's progress from its units: the instruments of
// the units done, with their failures and rows, whichever host did them.
func (l *runLog) fromUnits(units []store.Unit) {
	l.mu.Lock()
	l.done, l.sum.Failed, l.sum.Inserted, l.sum.Changed = 0, 0, 0, 0
	for _, u := range units {
		if u.State == store.UnitDone {
			l.done += u.OK + u.Failed + u.Skipped
			l.sum.Failed += u.Failed
			l.sum.Inserted += u.Inserted
			l.sum.Changed += u.Changed
		}
	}
	st := l.statusLocked()
	l.mu.Unlock()
	if l.progress != nil {
		l.progress.Update(st)
	}
}

// status is the run's progress now.
func (l *runLog) status() Status {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.statusLocked()
}

// sharedFinisher records a shared run through its owner, once.
type sharedFinisher struct {
	units UnitStore
	owner string
}

func (f sharedFinisher) FinishRun(ctx context.Context, r *store.Run) error {
	return f.units.FinishSharedRun(ctx, r, f.owner)
}

// Transient says what store.FinishRunRetrying retries: never a run taken
// over (the new owner records it), else what the store calls transient.
func (f sharedFinisher) Transient(err error) bool {
	if errors.Is(err, store.ErrLeaseLost) || errors.Is(err, store.ErrInvalid) {
		return false
	}
	if t, ok := f.units.(interface{ Transient(error) bool }); ok {
		return t.Transient(err)
	}
	return true
}
