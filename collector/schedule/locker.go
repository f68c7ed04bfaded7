package schedule

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/go-co-op/gocron/v2"
)

// slotLocker is the gocron Locker of a Scheduler. Before a run it asks the
// elector (leader mode) and then claims the run's (job, slot) row in the
// store; a claim another host made first fails, and gocron skips the run.
// The claim is never released: it is the record that the slot was taken.
type slotLocker struct{ s *Scheduler }

var _ gocron.Locker = slotLocker{}

func (l slotLocker) Lock(ctx context.Context, key string) (gocron.Lock, error) {
	s := l.s
	s.mu.Lock()
	stopping := s.stopping
	s.mu.Unlock()
	if stopping {
		return nil, errStopping
	}
	if s.cfg.Elector != nil {
		if err := s.cfg.Elector.IsLeader(ctx); err != nil {
			return nil, fmt.Errorf("%w: %w", errNotLeader, err)
		}
	}
	job, slot, ok := l.slot(key)
	if !ok {
		return nil, fmt.Errorf("schedule: job %q is no longer configured", key)
	}
	won, err := s.cfg.Store.ClaimSlot(ctx, job, slot.UTC(), s.owner)
	if err != nil {
		return nil, fmt.Errorf("schedule: claim %s at %s: %w", job, slot.UTC().Format(time.RFC3339), err)
	}
	if !won {
		return nil, fmt.Errorf("%w: %s at %s", errSlotTaken, job, slot.UTC().Format(time.RFC3339))
	}
	return released{}, nil
}

// slot returns the job and slot the gocron job named key runs. A catch-up
// claims the very (job, slot) the scheduled run claims: one claim per slot
// whatever path runs it, or a host starting while another runs the slot
// would run it a second time. A slot claimed and failed is not repeated:
// the next scheduled run works from the watermarks and closes the gap.
func (l slotLocker) slot(key string) (string, time.Time, bool) {
	s := l.s
	if strings.HasPrefix(key, catchUpPrefix) {
		s.mu.Lock()
		cu, ok := s.catchUps[key]
		s.mu.Unlock()
		return cu.job, cu.slot, ok
	}
	c := s.job(key)
	if c == nil {
		return "", time.Time{}, false
	}
	return key, s.slotAt(c, s.clock.Now()), true
}

type released struct{}

func (released) Unlock(context.Context) error { return nil }
