package collector

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

// noteClaims is a UnitStore that raises claimed after each unit it hands
// out.
type noteClaims struct {
	UnitStore
	claimed *atomic.Bool
}

func (n noteClaims) ClaimUnit(ctx context.Context, runID int64, source, owner, host string, lease time.Duration) (store.Unit, bool, error) {
	u, ok, err := n.UnitStore.ClaimUnit(ctx, runID, source, owner, host, lease)
	if ok && err == nil {
		n.claimed.Store(true)
	}
	return u, ok, err
}

// stopOnPlanning is a Store whose first read after a claim comes with the
// host's stop: the stop arrives while the claimed unit is being planned.
type stopOnPlanning struct {
	Store
	claimed *atomic.Bool
	stop    context.CancelFunc
}

func (s stopOnPlanning) Instruments(ctx context.Context, f store.InstrumentFilter) ([]market.Instrument, error) {
	if s.claimed.Swap(false) {
		s.stop()
	}
	return s.Store.Instruments(ctx, f)
}

// A host stopped after it claimed a unit but before it fetched anything
// hands the unit over at once, as it does when stopped while fetching:
// otherwise nobody may have it until its lease runs out.
func TestStoppingWhilePlanningHandsTheUnitOver(t *testing.T) {
	w := newSharedWorld(t, 8, 0)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	cfg := Config{UnitSize: 4, Lease: 30 * time.Second, UnitPoll: 20 * time.Millisecond}
	h := w.host(t, "h1", cfg, rate.Inf)
	var claimed atomic.Bool
	h.deps.Units = noteClaims{UnitStore: w.st, claimed: &claimed}
	h.deps.Store = stopOnPlanning{Store: w.st, claimed: &claimed, stop: stop}
	// As the scheduler does, which hands the run over when stopped.
	run := &store.Run{Job: "collect-us", Host: "h1", Started: w.clock(), Status: store.RunRunning}
	if err := w.st.StartRun(context.Background(), run); err != nil {
		t.Fatal(err)
	}
	s, err := h.Collect(ctx, CollectRequest{Job: run.Job, Run: run, Shared: true})
	if !errors.Is(err, store.ErrLeaseLost) || s.ID != run.ID {
		t.Fatalf("Collect = run %d, %v; want run %d handed over (store.ErrLeaseLost)", s.ID, err, run.ID)
	}
	units, err := w.st.Units(context.Background(), s.ID)
	if err != nil {
		t.Fatal(err)
	}
	claims := 0
	for _, u := range units {
		claims += u.Claims
		if u.State != store.UnitPending && !(u.State == store.UnitClaimed && !u.LeaseUntil.After(time.Now())) {
			t.Errorf("unit %d is %s, leased to %s until %s; want it free for another host", u.Number, u.State, u.Host, u.LeaseUntil)
		}
	}
	if len(units) != 2 || claims != 1 {
		t.Errorf("%d units claimed %d times, want 2 units, one claimed once (and stopped)", len(units), claims)
	}
}

// Stopping a lease waits for a renewal in flight instead of abandoning it:
// the database may commit an abandoned renewal after the hand-over that
// follows the stop, and keep the unit from every other host for a lease.
func TestStoppingALeaseWaitsForTheRenewalInFlight(t *testing.T) {
	c := &Collector{cfg: Config{Lease: 300 * time.Millisecond}}
	started := make(chan struct{})
	var calls atomic.Int32
	var renewErr error
	var returned atomic.Bool
	stopLease := c.holdLease(context.Background(), func(ctx context.Context) error {
		if calls.Add(1) > 1 {
			return nil
		}
		close(started)
		<-ctx.Done() // the renewal's own timeout (Lease/3), unless stop cancels it
		renewErr = ctx.Err()
		returned.Store(true)
		return renewErr
	}, "unit 1 of run 1", false, func(error) {})
	<-started
	stopLease()
	if !returned.Load() {
		t.Fatal("stop returned while a renewal was in flight")
	}
	if !errors.Is(renewErr, context.DeadlineExceeded) {
		t.Errorf("the renewal in flight ended with %v, want its own timeout (context.DeadlineExceeded): stop must not cancel it", renewErr)
	}
}
