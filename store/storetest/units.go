package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

// sharedOrSingle runs fn on a store that shares work between hosts; on one
// that cannot (SQLite), it checks that every work-unit function says so.
func sharedOrSingle(t *testing.T, s *store.Store, fn func()) {
	t.Helper()
	if s.Dialect().SkipLocked {
		if err := s.SharedWork(context.Background()); err != nil {
			t.Fatalf("SharedWork: %v", err)
		}
		fn()
		return
	}
	ctx := context.Background()
	_, _, claimErr := s.ClaimUnit(ctx, 1, "", "a", "h", time.Minute)
	_, writeErr := s.WriteUnit(ctx, nil, store.UnitCompletion{RunID: 1, Number: 1, Owner: "a"})
	_, unitsErr := s.Units(ctx, 1)
	_, openErr := s.OpenUnitRuns(ctx)
	_, _, ofErr := s.SharedRunOf(ctx, 1)
	_, takeErr := s.TakeOverRun(ctx, 1, "a", "h", 1, time.Minute)
	_, orphanErr := s.OrphanedRuns(ctx)
	_, releaseErr := s.ReleaseRun(ctx, 1, "a")
	for name, err := range map[string]error{
		"ShareRun":        s.ShareRun(ctx, store.SharedRun{RunID: 1, Owner: "a", Host: "h"}, time.Minute, []store.Unit{{Source: "yahoo", Symbols: []string{"AAPL"}}}),
		"SharedRunOf":     ofErr,
		"RenewRun":        s.RenewRun(ctx, 1, "a", time.Minute),
		"TakeOverRun":     takeErr,
		"FinishSharedRun": s.FinishSharedRun(ctx, &store.Run{ID: 1, Job: "collect"}, "a"),
		"OrphanedRuns":    orphanErr,
		"ReleaseRun":      releaseErr,
		"SharedWork":      s.SharedWork(ctx),
		"CreateUnits":     s.CreateUnits(ctx, 1, []store.Unit{{Source: "yahoo", Symbols: []string{"AAPL"}}}),
		"ClaimUnit":       claimErr,
		"RenewUnit":       s.RenewUnit(ctx, 1, 1, "a", time.Minute),
		"ReleaseUnit":     s.ReleaseUnit(ctx, 1, 1, "a"),
		"WriteUnit":       writeErr,
		"Units":           unitsErr,
		"OpenUnitRuns":    openErr,
	} {
		if !errors.Is(err, store.ErrSingleHost) {
			t.Errorf("%s on %s = %v, want ErrSingleHost", name, s.Dialect().Name, err)
		}
	}
}

// startUnits starts a run and gives it n units of one symbol each.
func startUnits(t *testing.T, s *store.Store, n int) int64 {
	t.Helper()
	run := &store.Run{Job: "collect-us", Host: "h1"}
	if err := s.StartRun(context.Background(), run); err != nil {
		t.Fatal(err)
	}
	units := make([]store.Unit, n)
	for i := range units {
		units[i] = store.Unit{Source: market.SourceYahoo, Symbols: []string{fmt.Sprintf("S%03d", i+1), fmt.Sprintf("T%03d", i+1)}}
	}
	if err := s.CreateUnits(context.Background(), run.ID, units); err != nil {
		t.Fatal(err)
	}
	return run.ID
}

// Concurrent claimers each get units no other claimant holds, until every
// unit is claimed exactly once.
func testUnitClaimsNeverOverlap(t *testing.T, s *store.Store) {
	sharedOrSingle(t, s, func() {
		ctx := context.Background()
		const units, claimers = 60, 6
		id := startUnits(t, s, units)
		if u, ok, err := s.ClaimUnit(ctx, id, market.SourceNaver, "n/1/x", "host-n", time.Minute); err != nil || ok {
			t.Fatalf("claim of a source the run has no unit of = %+v, %v, %v; want none", u, ok, err)
		}
		var mu sync.Mutex
		got := map[int]string{}
		var wg sync.WaitGroup
		errs := make(chan error, claimers)
		for c := range claimers {
			owner := fmt.Sprintf("host-%d/1/x", c)
			source := "" // any source; half the claimers ask for the units' own
			if c%2 == 1 {
				source = market.SourceYahoo
			}
			wg.Go(func() {
				for {
					u, ok, err := s.ClaimUnit(ctx, id, source, owner, fmt.Sprintf("host-%d", c), time.Minute)
					if err != nil {
						errs <- err
						return
					}
					if !ok {
						return
					}
					mu.Lock()
					if prev, dup := got[u.Number]; dup {
						errs <- fmt.Errorf("unit %d claimed by %s and %s", u.Number, prev, owner)
					}
					got[u.Number] = owner
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if len(got) != units {
			t.Errorf("%d units claimed, want %d", len(got), units)
		}
		all, err := s.Units(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range all {
			if u.State != store.UnitClaimed || u.Owner != got[u.Number] || u.Claims != 1 ||
				!slices.Equal(u.Symbols, []string{fmt.Sprintf("S%03d", u.Number), fmt.Sprintf("T%03d", u.Number)}) {
				t.Errorf("unit %+v, want claimed once by %s", u, got[u.Number])
			}
		}
	})
}

// A lease that runs out lets another claimant take the unit; the first
// owner can then neither renew nor complete it, and its last write is not
// committed.
func testUnitLeaseTakeover(t *testing.T, s *store.Store) {
	sharedOrSingle(t, s, func() {
		ctx := context.Background()
		id := startUnits(t, s, 1)
		a, ok, err := s.ClaimUnit(ctx, id, "", "a/1/x", "host-a", 300*time.Millisecond)
		if err != nil || !ok || a.Number != 1 {
			t.Fatalf("first claim = %+v, %v, %v", a, ok, err)
		}
		if _, ok, err := s.ClaimUnit(ctx, id, "", "b/1/y", "host-b", time.Minute); err != nil || ok {
			t.Fatalf("claim under a live lease = %v, %v; want none", ok, err)
		}
		if err := s.RenewUnit(ctx, id, 1, "a/1/x", 300*time.Millisecond); err != nil {
			t.Fatalf("renew by its owner: %v", err)
		}
		// A release by another claimant changes nothing.
		if err := s.ReleaseUnit(ctx, id, 1, "b/1/y"); err != nil {
			t.Fatal(err)
		}
		if _, ok, err := s.ClaimUnit(ctx, id, "", "b/1/y", "host-b", time.Minute); err != nil || ok {
			t.Fatalf("claim after another claimant's release = %v, %v; want none", ok, err)
		}
		time.Sleep(500 * time.Millisecond)
		b, ok, err := s.ClaimUnit(ctx, id, "", "b/1/y", "host-b", time.Minute)
		if err != nil || !ok || b.Number != 1 || b.Claims != 2 || b.Host != "host-b" {
			t.Fatalf("claim after the lease ran out = %+v, %v, %v", b, ok, err)
		}
		if err := s.RenewUnit(ctx, id, 1, "a/1/x", time.Minute); !errors.Is(err, store.ErrLeaseLost) {
			t.Errorf("renew by the old owner = %v, want ErrLeaseLost", err)
		}
		w := store.Write{Key: aapl, Bars: threeBars(t), Watermark: date(t, "2024-01-04")}
		_, err = s.WriteUnit(ctx, []store.Write{w}, store.UnitCompletion{RunID: id, Number: 1, Owner: "a/1/x", Counts: store.UnitCounts{OK: 1}})
		if !errors.Is(err, store.ErrLeaseLost) {
			t.Errorf("completion by the old owner = %v, want ErrLeaseLost", err)
		}
		if got := readBars(t, s, aapl); len(got) != 0 {
			t.Errorf("the old owner's last write committed %d bars", len(got))
		}
		marks, err := s.Watermarks(ctx, market.SourceYahoo)
		if err != nil || len(marks) != 0 {
			t.Errorf("watermarks after the refused completion = %v, %v; want none", marks, err)
		}
		results := []store.RunResult{{Key: aapl, Status: "ok", From: date(t, "2024-01-02"), To: date(t, "2024-01-04"), Rows: 3}}
		res, err := s.WriteUnit(ctx, []store.Write{w}, store.UnitCompletion{RunID: id, Number: 1, Owner: "b/1/y",
			Counts: store.UnitCounts{OK: 1, Requests: 1, Throttled: 2, Retries: 3}, Results: results})
		if err != nil || res.Inserted != 3 {
			t.Fatalf("completion by the new owner = %+v, %v", res, err)
		}
		run, _, err := s.RunByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "the run's results after the completion", run.Results, results)
		units, err := s.Units(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		u := units[0]
		if u.State != store.UnitDone || u.Host != "host-b" || u.Claims != 2 || u.Finished.IsZero() || !u.LeaseUntil.IsZero() ||
			u.UnitCounts != (store.UnitCounts{OK: 1, Inserted: 3, Requests: 1, Throttled: 2, Retries: 3}) {
			t.Errorf("unit after completion = %+v", u)
		}
	})
}

// The completion goes with the unit's last bars and watermark; a done unit
// is never claimed again, its lease cannot be renewed, and a completion
// run again (its COMMIT lost with the connection) changes no count.
func testUnitDoneIsFinal(t *testing.T, s *store.Store) {
	sharedOrSingle(t, s, func() {
		ctx := context.Background()
		id := startUnits(t, s, 2)
		open, err := s.OpenUnitRuns(ctx)
		if err != nil || !slices.Equal(open, []int64{id}) {
			t.Fatalf("OpenUnitRuns = %v, %v; want [%d]", open, err, id)
		}
		for n := range 2 {
			u, ok, err := s.ClaimUnit(ctx, id, "", "a/1/x", "host-a", 200*time.Millisecond)
			if err != nil || !ok || u.Number != n+1 {
				t.Fatalf("claim %d = %+v, %v, %v", n+1, u, ok, err)
			}
		}
		if open, err := s.OpenUnitRuns(ctx); err != nil || len(open) != 0 {
			t.Errorf("OpenUnitRuns with every unit leased = %v, %v; want none", open, err)
		}
		w := store.Write{Key: aapl, Bars: threeBars(t), Watermark: date(t, "2024-01-04")}
		done := store.UnitCompletion{RunID: id, Number: 1, Owner: "a/1/x", Counts: store.UnitCounts{OK: 1, Failed: 1, Requests: 3}}
		if _, err := s.WriteUnit(ctx, []store.Write{w}, done); err != nil {
			t.Fatal(err)
		}
		marks, err := s.Watermarks(ctx, market.SourceYahoo)
		if err != nil || marks[aapl] != date(t, "2024-01-04") {
			t.Errorf("watermark = %v, %v; want 2024-01-04 with the completion", marks, err)
		}
		// Unit 2 completes with no write of its own (its last instrument failed).
		if _, err := s.WriteUnit(ctx, nil, store.UnitCompletion{RunID: id, Number: 2, Owner: "a/1/x", Counts: store.UnitCounts{Failed: 2}}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond) // past the leases the units were claimed with
		if u, ok, err := s.ClaimUnit(ctx, id, "", "b/1/y", "host-b", time.Minute); err != nil || ok {
			t.Errorf("claim of a run whose units are done = %+v, %v, %v; want none", u, ok, err)
		}
		if err := s.RenewUnit(ctx, id, 1, "a/1/x", time.Minute); !errors.Is(err, store.ErrLeaseLost) {
			t.Errorf("renew of a done unit = %v, want ErrLeaseLost", err)
		}
		if _, err := s.WriteUnit(ctx, []store.Write{w}, done); err != nil {
			t.Errorf("completion run again: %v", err)
		}
		if _, err := s.WriteUnit(ctx, nil, store.UnitCompletion{RunID: id, Number: 2, Owner: "b/1/y"}); !errors.Is(err, store.ErrLeaseLost) {
			t.Errorf("completion of a done unit by another owner = %v, want ErrLeaseLost", err)
		}
		units, err := s.Units(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		want := []store.UnitCounts{{OK: 1, Failed: 1, Inserted: 3, Requests: 3}, {Failed: 2}}
		for i, u := range units {
			if u.State != store.UnitDone || u.Claims != 1 || u.UnitCounts != want[i] {
				t.Errorf("unit %d = %+v, want done once with %+v", u.Number, u, want[i])
			}
		}
		if open, err := s.OpenUnitRuns(ctx); err != nil || len(open) != 0 {
			t.Errorf("OpenUnitRuns with every unit done = %v, %v; want none", open, err)
		}
		if _, err := s.WriteUnit(ctx, nil, store.UnitCompletion{RunID: id, Number: 3, Owner: "a/1/x"}); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("completion of a unit the run does not have = %v, want ErrInvalid", err)
		}
	})
}

// A finished run offers no units to join, even pending ones, and none of
// its units can be claimed: a host still working on it stops.
func testOpenUnitRunsAreRunning(t *testing.T, s *store.Store) {
	sharedOrSingle(t, s, func() {
		ctx := context.Background()
		open := startUnits(t, s, 1)
		closed := startUnits(t, s, 1)
		r, ok, err := s.RunByID(ctx, closed)
		if err != nil || !ok {
			t.Fatal(ok, err)
		}
		r.Status = store.RunInterrupted
		if err := s.FinishRun(ctx, &r); err != nil {
			t.Fatal(err)
		}
		if got, err := s.OpenUnitRuns(ctx); err != nil || !slices.Equal(got, []int64{open}) {
			t.Errorf("OpenUnitRuns = %v, %v; want [%d]", got, err, open)
		}
		if u, ok, err := s.ClaimUnit(ctx, closed, "", "a/1/x", "host-a", time.Minute); err != nil || ok {
			t.Errorf("claim of a unit of an interrupted run = %+v, %v, %v; want none", u, ok, err)
		}
		if u, ok, err := s.ClaimUnit(ctx, 999999, "", "a/1/x", "host-a", time.Minute); err != nil || ok {
			t.Errorf("claim of a unit of no run = %+v, %v, %v; want none", u, ok, err)
		}
		if u, ok, err := s.ClaimUnit(ctx, open, "", "a/1/x", "host-a", time.Minute); err != nil || !ok || u.Number != 1 {
			t.Errorf("claim of a unit of the running run = %+v, %v, %v; want unit 1", u, ok, err)
		}
		if err := s.CreateUnits(ctx, open, []store.Unit{{Source: market.SourceYahoo, Symbols: []string{"A B"}}}); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("a symbol with a space = %v, want ErrInvalid", err)
		}
	})
}

// A claimant that stops releases its unit: another claims it at once,
// long before the lease would have run out; a release by the old owner
// after that changes nothing.
func testUnitRelease(t *testing.T, s *store.Store) {
	sharedOrSingle(t, s, func() {
		ctx := context.Background()
		id := startUnits(t, s, 1)
		if _, ok, err := s.ClaimUnit(ctx, id, "", "a/1/x", "host-a", time.Hour); err != nil || !ok {
			t.Fatalf("claim = %v, %v", ok, err)
		}
		if err := s.ReleaseUnit(ctx, id, 1, "a/1/x"); err != nil {
			t.Fatal(err)
		}
		b, ok, err := s.ClaimUnit(ctx, id, "", "b/1/y", "host-b", time.Hour)
		if err != nil || !ok || b.Number != 1 || b.Claims != 2 {
			t.Fatalf("claim after the release = %+v, %v, %v; want unit 1, claimed twice", b, ok, err)
		}
		if err := s.RenewUnit(ctx, id, 1, "a/1/x", time.Hour); !errors.Is(err, store.ErrLeaseLost) {
			t.Errorf("renew by the owner that released it = %v, want ErrLeaseLost", err)
		}
		if err := s.ReleaseUnit(ctx, id, 1, "a/1/x"); err != nil {
			t.Fatal(err)
		}
		if _, ok, err := s.ClaimUnit(ctx, id, "", "c/1/z", "host-c", time.Hour); err != nil || ok {
			t.Errorf("claim after the old owner's second release = %v, %v; want none: host-b holds it", ok, err)
		}
	})
}
