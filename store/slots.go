package store

import (
	"context"
	"fmt"
	"time"
)

// ClaimSlot claims the run of job scheduled at slot for owner, so that of
// several hosts running the same schedule exactly one runs each slot. It
// reports whether owner holds the slot (claiming it again is true).
func (s *Store) ClaimSlot(ctx context.Context, job string, slot time.Time, owner string) (bool, error) {
	slot = slot.UTC().Truncate(time.Second)
	_, err := s.db.ExecContext(ctx, `INSERT INTO job_slots (job, slot, owner, claimed_at) VALUES (?, ?, ?, ?)`+
		s.d.DoNothing([]string{"job", "slot"}), job, slot, owner, s.now())
	if err != nil {
		return false, fmt.Errorf("store: claim slot %s of %s: %w", slot.Format(time.RFC3339), job, err)
	}
	var holder string
	err = s.db.QueryRowContext(ctx, `SELECT owner FROM job_slots WHERE job = ? AND slot = ?`, job, slot).Scan(&holder)
	if err != nil {
		return false, fmt.Errorf("store: claim slot %s of %s: %w", slot.Format(time.RFC3339), job, err)
	}
	return holder == owner, nil
}
