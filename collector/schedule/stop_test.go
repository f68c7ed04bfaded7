package schedule

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/marketd/marketd/store"
)

// cpuTime is the CPU time (user and system) this process has used.
func cpuTime(t *testing.T) time.Duration {
	t.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestStopWaitsWithoutSpinning guards against gocron's busy-wait for
// running jobs (executor.stop): a shutdown waiting a second for a job that
// ignores cancellation must sleep through that second, not burn a core.
func TestStopWaitsWithoutSpinning(t *testing.T) {
	st, _ := tempSQLite(t)
	start := utc("2026-11-20T00:00:30Z")
	seedSuccess(t, st, "stubborn", start)
	h := newHarness(t, start)
	const ignore = time.Second
	started := make(chan struct{})
	s := h.scheduler(st, "a", []Job{{
		Spec: JobSpec{Name: "stubborn", Cron: "0 0 * * * *", TZ: "UTC"},
		Run: func(ctx context.Context, _ JobSpec, _ *store.Run) error {
			close(started)
			<-ctx.Done()
			time.Sleep(ignore) // finishing its batch despite the cancellation
			return ctx.Err()
		},
	}}, func(c *Config) { c.ShutdownTimeout = 50 * time.Millisecond })
	h.start(s)
	h.advanceTo(1, utc("2026-11-20T01:00:00Z"))
	<-started

	cpu0, wall0 := cpuTime(t), time.Now()
	if err := s.Stop(); err != nil {
		t.Fatalf("Stop = %v", err)
	}
	cpu, wall := cpuTime(t)-cpu0, time.Since(wall0)
	if wall < ignore {
		t.Fatalf("Stop returned after %s, before the job did (%s)", wall, ignore)
	}
	if cpu > 300*time.Millisecond {
		t.Fatalf("Stop used %s of CPU over %s of waiting, want under 300ms", cpu, wall)
	}
	if r := h.next(1)[0]; r.Status != store.RunInterrupted {
		t.Fatalf("run cut by shutdown = %s, want interrupted", r.Status)
	}
}
