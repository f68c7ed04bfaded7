package storetest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/marketd/marketd/store"
)

// testProblemsScope checks the alert state across runs of different
// scopes: a run resolves only the open problems it covers, and a problem
// outside keeps its first sighting, open.
func testProblemsScope(t *testing.T, s *store.Store) {
	ctx := context.Background()
	t0 := time.Date(2026, 12, 1, 22, 0, 0, 0, time.UTC)
	all := func(string) bool { return true }
	krxOnly := func(k string) bool { return strings.Contains(k, "XKRX") }
	sync := func(what string, open []string, covers func(string) bool, at time.Time) (map[string]store.ProblemState, []string) {
		t.Helper()
		before, resolved, err := s.SyncProblems(ctx, open, covers, at)
		if err != nil {
			t.Fatalf("%s: SyncProblems: %v", what, err)
		}
		var keys []string
		for _, p := range resolved {
			keys = append(keys, p.Key)
			equal(t, what+": resolved at", p.Resolved, at)
		}
		return before, keys
	}

	before, resolved := sync("first", []string{"gap XKRX a", "gap XNYS b"}, all, t0)
	equal(t, "first: before", len(before), 0)
	equal(t, "first: resolved", resolved, []string(nil))

	// An XKRX run that finds nothing: only the XKRX problem heals.
	t1 := t0.Add(24 * time.Hour)
	before, resolved = sync("XKRX run", nil, krxOnly, t1)
	equal(t, "XKRX run: open before", []any{len(before), before["gap XNYS b"].FirstSeen}, []any{2, t0})
	equal(t, "XKRX run: resolved", resolved, []string{"gap XKRX a"})

	// The XNYS problem is still open since t0: the next run that covers
	// it finds it again, not new.
	t2 := t1.Add(24 * time.Hour)
	before, resolved = sync("XNYS run", []string{"gap XNYS b"}, all, t2)
	equal(t, "XNYS run: before", before["gap XNYS b"], store.ProblemState{Key: "gap XNYS b", FirstSeen: t0, LastSeen: t0})
	equal(t, "XNYS run: resolved", resolved, []string(nil))

	// A run covering everything that finds nothing resolves it.
	_, resolved = sync("all clear", nil, all, t2.Add(time.Hour))
	equal(t, "all clear: resolved", resolved, []string{"gap XNYS b"})
}
