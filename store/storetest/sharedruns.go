package storetest

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

// shareRun starts a run of host on pid and shares it as two units owned
// by owner (on host) under lease.
func shareRun(t *testing.T, s *store.Store, host string, pid int, owner string, lease time.Duration) int64 {
	t.Helper()
	ctx := context.Background()
	run := &store.Run{Job: "collect-us", Host: host, PID: pid}
	if err := s.StartRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	units := []store.Unit{{Source: market.SourceYahoo, Symbols: []string{"AAPL"}}, {Source: market.SourceYahoo, Symbols: []string{"MSFT"}}}
	sr := store.SharedRun{RunID: run.ID, Spec: `{"job":"collect"}`, Owner: owner, Host: host}
	if err := s.ShareRun(ctx, sr, lease, units); err != nil {
		t.Fatal(err)
	}
	return run.ID
}

// The owner of a shared run keeps it while it renews its lease; once the
// lease runs out exactly one of several hosts takes it over (the run's
// record then names that process), the old owner can neither renew nor
// record it, and the new owner records it once: no host takes over a
// recorded run, or one that is no longer running.
func testSharedRunTakeover(t *testing.T, s *store.Store) {
	sharedOrSingle(t, s, func() {
		ctx := context.Background()
		const lease = 300 * time.Millisecond
		id := shareRun(t, s, "host-a", 4242, "a/1/x", lease)
		sr, ok, err := s.SharedRunOf(ctx, id)
		if err != nil || !ok || sr.Spec != `{"job":"collect"}` || sr.Owner != "a/1/x" || sr.Host != "host-a" || sr.Takeovers != 0 || sr.LeaseUntil.IsZero() {
			t.Fatalf("SharedRunOf = %+v, %v, %v", sr, ok, err)
		}
		if units, err := s.Units(ctx, id); err != nil || len(units) != 2 || units[1].Symbols[0] != "MSFT" {
			t.Fatalf("units shared with the run = %+v, %v", units, err)
		}
		if ok, err := s.TakeOverRun(ctx, id, "b/1/y", "host-b", 7, time.Minute); err != nil || ok {
			t.Fatalf("takeover under a live lease = %v, %v; want none", ok, err)
		}
		if err := s.RenewRun(ctx, id, "a/1/x", lease); err != nil {
			t.Fatalf("renew by its owner: %v", err)
		}
		if err := s.RenewRun(ctx, id, "b/1/y", lease); !errors.Is(err, store.ErrLeaseLost) {
			t.Errorf("renew by another host = %v, want ErrLeaseLost", err)
		}
		if got, err := s.OrphanedRuns(ctx); err != nil || len(got) != 0 {
			t.Errorf("OrphanedRuns under a live lease = %v, %v; want none", got, err)
		}
		time.Sleep(lease + 200*time.Millisecond)
		if got, err := s.OrphanedRuns(ctx); err != nil || !slices.Equal(got, []int64{id}) {
			t.Fatalf("OrphanedRuns after the lease ran out = %v, %v; want [%d]", got, err, id)
		}

		// Four hosts race for it: one gets it.
		var mu sync.Mutex
		var winners []int
		var wg sync.WaitGroup
		for h := range 4 {
			wg.Go(func() {
				ok, err := s.TakeOverRun(ctx, id, fmt.Sprintf("h%d/1/z", h), fmt.Sprintf("host-%d", h), 100+h, time.Minute)
				if err != nil {
					t.Error(err)
				}
				if ok {
					mu.Lock()
					winners = append(winners, h)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if len(winners) != 1 {
			t.Fatalf("takeovers won by %v, want exactly one host", winners)
		}
		w := winners[0]
		owner, host := fmt.Sprintf("h%d/1/z", w), fmt.Sprintf("host-%d", w)
		sr, _, _ = s.SharedRunOf(ctx, id)
		run, _, err := s.RunByID(ctx, id)
		if err != nil || sr.Owner != owner || sr.Host != host || sr.Takeovers != 1 || run.Host != host || run.PID != 100+w || run.Status != store.RunRunning {
			t.Fatalf("after the takeover: shared %+v, run %+v, %v; want owned by %s, the run naming pid %d", sr, run, err, owner, 100+w)
		}
		if got, err := s.OrphanedRuns(ctx); err != nil || len(got) != 0 {
			t.Errorf("OrphanedRuns after the takeover = %v, %v; want none", got, err)
		}
		if err := s.RenewRun(ctx, id, "a/1/x", lease); !errors.Is(err, store.ErrLeaseLost) {
			t.Errorf("renew by the old owner = %v, want ErrLeaseLost", err)
		}
		old := run
		old.Status, old.OK, old.Message = store.RunOK, 1, "by the old owner"
		if err := s.FinishSharedRun(ctx, &old, "a/1/x"); !errors.Is(err, store.ErrLeaseLost) {
			t.Errorf("record by the old owner = %v, want ErrLeaseLost", err)
		}
		if r, _, _ := s.RunByID(ctx, id); r.Status != store.RunRunning || r.OK != 0 {
			t.Errorf("the old owner's record was written: %+v", r)
		}
		mine := run
		mine.Status, mine.OK, mine.Message = store.RunOK, 2, "2 work units, done by "+host+" (2)"
		mine.Results = []store.RunResult{{Key: aapl, Status: "ok"}}
		if err := s.FinishSharedRun(ctx, &mine, owner); err != nil {
			t.Fatalf("record by the new owner: %v", err)
		}
		if err := s.FinishSharedRun(ctx, &mine, owner); err != nil {
			t.Errorf("the same record written again by its owner: %v", err)
		}
		r, _, err := s.RunByID(ctx, id)
		if err != nil || r.Status != store.RunOK || r.OK != 2 || r.Message != mine.Message || len(r.Results) != 1 || r.Finished.IsZero() {
			t.Errorf("run recorded = %+v, %v", r, err)
		}
		if err := s.RenewRun(ctx, id, owner, lease); !errors.Is(err, store.ErrLeaseLost) {
			t.Errorf("renew of a recorded run = %v, want ErrLeaseLost", err)
		}
		time.Sleep(lease)
		if ok, err := s.TakeOverRun(ctx, id, "c/1/c", "host-c", 9, time.Minute); err != nil || ok {
			t.Errorf("takeover of a recorded run = %v, %v; want none", ok, err)
		}
		if got, err := s.OrphanedRuns(ctx); err != nil || len(got) != 0 {
			t.Errorf("OrphanedRuns with the run recorded = %v, %v; want none", got, err)
		}

		// An owner that stops releases the run: another host takes it at
		// once, long before the lease would have run out.
		handed := shareRun(t, s, "host-a", 4242, "a/1/x", time.Hour)
		if released, err := s.ReleaseRun(ctx, handed, "b/1/y"); err != nil || released {
			t.Errorf("release by another host = %v, %v; want none", released, err)
		}
		if released, err := s.ReleaseRun(ctx, handed, "a/1/x"); err != nil || !released {
			t.Errorf("release by its owner = %v, %v; want released", released, err)
		}
		if got, err := s.OrphanedRuns(ctx); err != nil || !slices.Equal(got, []int64{handed}) {
			t.Errorf("OrphanedRuns after the release = %v, %v; want [%d]", got, err, handed)
		}
		if ok, err := s.TakeOverRun(ctx, handed, "b/1/y", "host-b", 7, time.Minute); err != nil || !ok {
			t.Errorf("takeover of a released run = %v, %v; want it", ok, err)
		}
		if released, err := s.ReleaseRun(ctx, handed, "a/1/x"); err != nil || released {
			t.Errorf("release by the old owner after the takeover = %v, %v; want none", released, err)
		}

		// A run recorded by other means (interrupted, abandoned) is not
		// taken over, even with its lease run out.
		ended := shareRun(t, s, "host-a", 4242, "a/1/x", time.Millisecond)
		r, _, _ = s.RunByID(ctx, ended)
		r.Status = store.RunInterrupted
		if err := s.FinishRun(ctx, &r); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
		if ok, err := s.TakeOverRun(ctx, ended, "b/1/y", "host-b", 7, time.Minute); err != nil || ok {
			t.Errorf("takeover of an interrupted run = %v, %v; want none", ok, err)
		}
		if sr, _, _ := s.SharedRunOf(ctx, ended); sr.Owner != "a/1/x" || sr.Takeovers != 0 {
			t.Errorf("the refused takeover changed the run's owner: %+v", sr)
		}
	})
}

// A shared run outlives its process: the dead pid of its first owner on
// this host does not make it abandoned (another host takes it over and
// keeps its heartbeat); a silent heartbeat still does.
func testSharedRunNotAbandonedByPid(t *testing.T, s *store.Store) {
	sharedOrSingle(t, s, func() {
		ctx := context.Background()
		exited := exec.Command("true")
		if err := exited.Run(); err != nil {
			t.Fatal(err)
		}
		dead := exited.Process.Pid
		shared := shareRun(t, s, "h1", dead, "h1/1/x", time.Minute)
		alone := &store.Run{Job: "backfill", Host: "h1", PID: dead}
		if err := s.StartRun(ctx, alone); err != nil {
			t.Fatal(err)
		}
		got, err := s.AbandonGone(ctx, "h1", 5*time.Minute, nil)
		if err != nil || len(got) != 1 || got[0].ID != alone.ID {
			t.Fatalf("AbandonGone = %+v, %v; want run %d alone (not the shared run %d)", got, err, alone.ID, shared)
		}
		if _, err := s.AbandonGone(ctx, "h2", -time.Second, nil); err != nil {
			t.Fatal(err)
		}
		if r, _, _ := s.RunByID(ctx, shared); r.Status != store.RunAbandoned {
			t.Errorf("shared run without a heartbeat: %s, want abandoned", r.Status)
		}
	})
}
