package schedule

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/marketd/marketd/store"
)

// outageStore fails the first claims as a database being restarted does.
type outageStore struct {
	Store
	failures atomic.Int32 // claims still to fail
	claims   atomic.Int32
}

func (o *outageStore) ClaimSlot(ctx context.Context, job string, slot time.Time, owner string) (bool, error) {
	o.claims.Add(1)
	if o.failures.Add(-1) >= 0 {
		return false, errors.New("dial tcp 127.0.0.1:3306: connect: connection refused")
	}
	return o.Store.ClaimSlot(ctx, job, slot, owner)
}

// A slot firing while the database is down is claimed once it is back,
// while the slot is current: it used to be skipped ("cannot claim its
// slot") and never run.
func TestSlotClaimedAfterDatabaseOutage(t *testing.T) {
	st, _ := tempSQLite(t)
	start := utc("2026-11-20T00:00:30Z")
	seedSuccess(t, st, "hourly", start)
	h := newHarness(t, start)
	out := &outageStore{Store: st}
	out.failures.Store(3)
	jobs := []Job{{
		Spec: JobSpec{Name: "hourly", Cron: "0 0 * * * *", TZ: "UTC"},
		Run:  func(context.Context, JobSpec, *store.Run) error { return nil },
	}}
	s := h.scheduler(out, "a", jobs, func(c *Config) { c.ClaimBackoff = time.Millisecond })
	h.start(s)
	h.advanceTo(1, utc("2026-11-20T01:00:00Z"))
	r := h.next(1)[0]
	if r.Status != store.RunOK || !r.Started.Equal(utc("2026-11-20T01:00:00Z")) {
		t.Fatalf("run = %+v, want the 01:00 slot ok", r)
	}
	if n := out.claims.Load(); n != 4 {
		t.Errorf("%d claim attempts, want 4 (3 failed, then won)", n)
	}
}

// Past the slot's deadline (the next slot) the claim gives up, leaving the
// slot unclaimed for a catch-up.
func TestSlotClaimGivesUpAtNextSlot(t *testing.T) {
	st, _ := tempSQLite(t)
	start := utc("2026-11-20T00:00:30Z")
	seedSuccess(t, st, "hourly", start)
	h := newHarness(t, start)
	out := &outageStore{Store: st}
	out.failures.Store(1 << 20)
	jobs := []Job{{
		Spec: JobSpec{Name: "hourly", Cron: "0 0 * * * *", TZ: "UTC", Timeout: 10 * time.Minute},
		Run:  func(context.Context, JobSpec, *store.Run) error { return nil },
	}}
	s := h.scheduler(out, "a", jobs, func(c *Config) { c.ClaimBackoff = time.Millisecond })
	h.start(s)
	h.advanceTo(1, utc("2026-11-20T01:00:00Z"))
	deadline := time.Now().Add(wait)
	for out.claims.Load() < 3 {
		if time.Now().After(deadline) {
			t.Fatal("no claim retries")
		}
		time.Sleep(time.Millisecond)
	}
	h.clock.Advance(10 * time.Minute) // the job's timeout: the slot is no longer current
	n := out.claims.Load()
	time.Sleep(300 * time.Millisecond) // a retry loop at 1 ms doubling would claim 5 more times
	if more := out.claims.Load() - n; more > 1 {
		t.Fatalf("%d claims after the slot's deadline, want at most the one in flight", more)
	}
	var claimed int
	if err := st.DB().QueryRow(`SELECT COUNT(*) FROM job_slots`).Scan(&claimed); err != nil || claimed != 0 {
		t.Fatalf("claimed slots %d (%v), want 0: the slot stays for a catch-up", claimed, err)
	}
	if len(h.runs) != 0 {
		t.Fatalf("ran without a claim: %+v", <-h.runs)
	}
}
