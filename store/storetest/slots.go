package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/marketd/marketd/store"
)

func testClaimSlot(t *testing.T, s *store.Store) {
	ctx := context.Background()
	slot := time.Date(2026, 9, 29, 16, 10, 0, 0, time.FixedZone("KST", 9*3600))
	for _, c := range []struct {
		job   string
		slot  time.Time
		owner string
		want  bool
	}{
		{"collect-xkrx", slot, "host-a", true},
		{"collect-xkrx", slot, "host-b", false},
		{"collect-xkrx", slot.UTC(), "host-b", false}, // the same instant
		{"collect-xkrx", slot, "host-a", true},        // the holder asking again
		{"collect-xkrx", slot.Add(24 * time.Hour), "host-b", true},
		{"collect-xnys", slot, "host-b", true},
	} {
		got, err := s.ClaimSlot(ctx, c.job, c.slot, c.owner)
		if err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("ClaimSlot(%s, %v, %s) = %v, want %v", c.job, c.slot, c.owner, got, c.want)
		}
	}
}
