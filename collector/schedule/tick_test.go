package schedule

import (
	"context"
	"errors"
	"testing"
	"time"
)

type neverLeader struct{}

func (neverLeader) IsLeader(context.Context) error { return errors.New("another host leads") }

// waitTick waits until the scheduler's last tick is at.
func waitTick(t *testing.T, s *Scheduler, at time.Time) {
	t.Helper()
	for deadline := time.Now().Add(wait); !s.LastTick().Equal(at); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("last tick %s, want %s", s.LastTick(), at)
		}
	}
}

// The scheduler loop records a tick at start and then every Config.Tick
// of its clock, on a host that does not lead too: a follower is alive.
func TestTick(t *testing.T) {
	st, _ := tempSQLite(t)
	start := utc("2026-11-20T00:00:30Z")
	seedSuccess(t, st, "hourly", start)
	h := newHarness(t, start)
	s := h.scheduler(st, "a", []Job{{Spec: JobSpec{Name: "hourly", Cron: "0 0 * * * *", TZ: "UTC"}, Run: noRun}},
		func(c *Config) { c.Tick = 5 * time.Second; c.Elector = neverLeader{} })
	if !s.LastTick().IsZero() {
		t.Fatalf("last tick before start = %s, want zero", s.LastTick())
	}
	h.start(s)
	waitTick(t, s, start)
	h.advanceTo(2, start.Add(5*time.Second)) // the hourly job's timer and the tick's
	waitTick(t, s, start.Add(5*time.Second))
	h.advanceTo(2, start.Add(10*time.Second))
	waitTick(t, s, start.Add(10*time.Second))
}
