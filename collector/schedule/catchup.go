package schedule

import (
	"context"
	"fmt"
	"time"

	"github.com/go-co-op/gocron/v2"
)

// catchUp schedules one immediate run of every job whose last success is
// older than its previous due slot. gocron does not replay runs missed
// while the process was down; the run log in the database does, across
// restarts and host replacement.
func (s *Scheduler) catchUp(ctx context.Context) error {
	now := s.clock.Now()
	s.mu.Lock()
	cs := make([]*compiled, 0, len(s.jobs))
	for _, c := range s.jobs {
		cs = append(cs, c)
	}
	s.mu.Unlock()
	for _, c := range cs {
		due, ok, err := s.dueSlot(ctx, c, now)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		last, found, err := s.cfg.Store.LastSuccess(ctx, c.Spec.Name)
		if err != nil {
			return fmt.Errorf("schedule: catch-up %s: %w", c.Spec.Name, err)
		}
		if found && !last.Before(due) {
			continue
		}
		name := catchUpPrefix + c.Spec.Name
		s.mu.Lock()
		s.catchUps[name] = catchUp{job: c.Spec.Name, slot: due}
		s.mu.Unlock()
		lastText := "never"
		if found {
			lastText = last.UTC().Format(time.RFC3339)
		}
		s.log.Info("catching up", "job", c.Spec.Name, "slot", due, "last_success", lastText)
		_, err = s.gs.NewJob(
			gocron.OneTimeJob(gocron.OneTimeJobStartImmediately()),
			gocron.NewTask(s.execute, name, c.Spec.Name, due),
			gocron.WithName(name),
			gocron.WithTags("catch-up"),
		)
		if err != nil {
			return fmt.Errorf("schedule: catch-up %s: %w", c.Spec.Name, err)
		}
	}
	return nil
}

// maxClosedSlots bounds the walk back over closed days (a long holiday
// week of a daily job is well under it).
const maxClosedSlots = 64

// dueSlot returns the latest scheduled time at or before now on which the
// job's market was open: the slot a healthy daemon would have run last.
func (s *Scheduler) dueSlot(ctx context.Context, c *compiled, now time.Time) (time.Time, bool, error) {
	t := now
	for range maxClosedSlots {
		p, ok := prev(c.sched, t, c.loc)
		if !ok {
			return time.Time{}, false, nil
		}
		if c.Spec.Market == "" {
			return p, true, nil
		}
		open, err := s.isSession(ctx, c, p)
		if err != nil {
			return time.Time{}, false, fmt.Errorf("schedule: catch-up %s: %w", c.Spec.Name, err)
		}
		if open {
			return p, true, nil
		}
		t = p.Add(-time.Second)
	}
	return time.Time{}, false, nil
}
