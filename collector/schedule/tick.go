package schedule

import (
	"time"

	"github.com/go-co-op/gocron/v2"
)

// The tick is evidence that the scheduler loop makes progress, for a
// watchdog: gocron runs a job of the scheduler's own every Config.Tick
// that records the time. A loop that hangs (a deadlocked locker, a stuck
// executor) stops recording it, whatever the process otherwise still does.

// tickJob names the tick in gocron. It claims no slot and asks no elector:
// a host that does not lead is still alive.
const tickJob = "marketd:tick"

func (s *Scheduler) addTick() error {
	_, err := s.gs.NewJob(
		gocron.DurationJob(s.cfg.Tick),
		gocron.NewTask(s.tick),
		gocron.WithName(tickJob),
		gocron.WithDisabledDistributedJobLocker(true),
		gocron.WithStartAt(gocron.WithStartImmediately()),
	)
	return err
}

func (s *Scheduler) tick() { s.lastTick.Store(s.clock.Now().UnixNano()) }

// LastTick returns when the scheduler loop last ran its tick (the
// scheduler's clock); zero before Start, or when Config.Tick is zero.
func (s *Scheduler) LastTick() time.Time {
	n := s.lastTick.Load()
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}
