package schedule

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/sethvargo/go-retry"
)

// slotLocker is the gocron Locker of a Scheduler. Before a run it asks the
// elector (leader mode) and then claims the run's (job, slot) row in the
// store; a claim another host made first fails, and gocron skips the run.
// The claim is never released: it is the record that the slot was taken.
type slotLocker struct{ s *Scheduler }

var _ gocron.Locker = slotLocker{}

func (l slotLocker) Lock(ctx context.Context, key string) (gocron.Lock, error) {
	s := l.s
	if s.isStopping() {
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
	won, err := s.claim(ctx, job, slot)
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

// claim claims (job, slot) for this process, retrying a store that fails
// (a database restart) with backoff while the slot is still current: until
// the job's next slot or the end of its timeout, whichever comes first. A
// slot given up on stays unclaimed, so a catch-up can still run it.
func (s *Scheduler) claim(ctx context.Context, job string, slot time.Time) (bool, error) {
	deadline := slot
	if c := s.job(job); c != nil {
		deadline = c.sched.Next(slot)
		if t := c.Spec.Timeout; t > 0 && slot.Add(t).Before(deadline) {
			deadline = slot.Add(t)
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(s.runCtx, cancel)() // Stop ends the waiting too
	b := retry.NewExponential(s.cfg.ClaimBackoff)
	b = retry.WithJitterPercent(20, b)
	b = retry.WithCappedDuration(maxClaimBackoff, b)
	var won bool
	attempt := 0
	err := retry.Do(ctx, b, func(ctx context.Context) error {
		attempt++
		var err error
		won, err = s.cfg.Store.ClaimSlot(ctx, job, slot.UTC(), s.owner)
		if err == nil || !s.clock.Now().Before(deadline) || s.isStopping() {
			return err
		}
		s.log.Warn("cannot claim slot; retrying while it is current", "job", job, "slot", slot.UTC(),
			"attempt", attempt, "until", deadline.UTC(), "err", err)
		return retry.RetryableError(err)
	})
	return won, err
}

// maxClaimBackoff caps the wait between two claim attempts.
const maxClaimBackoff = 30 * time.Second

func (s *Scheduler) isStopping() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stopping
}

type released struct{}

func (released) Unlock(context.Context) error { return nil }
