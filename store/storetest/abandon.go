package storetest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/marketd/marketd/store"
)

// testAbandonGone checks that only running runs whose process is gone are
// recorded abandoned: on this host by a dead pid, from any host by a
// heartbeat older than staleAfter.
func testAbandonGone(t *testing.T, s *store.Store) {
	ctx := context.Background()
	exited := exec.Command("true")
	if err := exited.Run(); err != nil {
		t.Fatal(err)
	}
	dead, self := exited.Process.Pid, os.Getpid()
	now := time.Now().UTC().Truncate(time.Millisecond)
	startJob := func(job, host string, pid int, started time.Time) *store.Run {
		t.Helper()
		r := &store.Run{Job: job, Host: host, PID: pid, Started: started}
		if err := s.StartRun(ctx, r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	start := func(host string, pid int, started time.Time) *store.Run {
		t.Helper()
		return startJob("backfill", host, pid, started)
	}
	// The caller words what becomes of an abandoned run's work, by its job.
	next := func(job string) string {
		if job == "check" {
			return "it runs again at its next slot"
		}
		return "the next run resumes from the watermarks"
	}
	alive := start("h1", self, now)
	deadHere := start("h1", dead, now)
	deadThere := start("h2", dead, now) // its pid means nothing here; its heartbeat is fresh
	stale := startJob("check", "h2", 1, now.Add(-10*time.Minute))
	beating := start("h1", self, now.Add(-10*time.Minute))
	if err := s.Heartbeat(ctx, beating.ID); err != nil {
		t.Fatal(err)
	}
	finished := start("h1", dead, now.Add(-time.Hour))
	finished.Status = store.RunOK
	if err := s.FinishRun(ctx, finished); err != nil {
		t.Fatal(err)
	}

	got, err := s.AbandonGone(ctx, "h1", 5*time.Minute, next)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != deadHere.ID || got[1].ID != stale.ID {
		t.Fatalf("abandoned %+v, want runs %d and %d", got, deadHere.ID, stale.ID)
	}
	want := map[int64]string{
		deadHere.ID: fmt.Sprintf("abandoned: process %d on h1 is gone; no heartbeat since %s; the next run resumes from the watermarks",
			dead, now.Format(time.RFC3339)),
		stale.ID: fmt.Sprintf("abandoned: no heartbeat from h2 since %s; it runs again at its next slot",
			now.Add(-10*time.Minute).Format(time.RFC3339)),
	}
	for id, msg := range want {
		r, ok, err := s.RunByID(ctx, id)
		if err != nil || !ok {
			t.Fatalf("run %d: %v %v", id, ok, err)
		}
		if r.Status != store.RunAbandoned || r.Message != msg || !r.Finished.Equal(r.Heartbeat) {
			t.Errorf("run %d = %s %q finished %s (heartbeat %s); want abandoned, %q, finished at its last heartbeat",
				id, r.Status, r.Message, r.Finished, r.Heartbeat, msg)
		}
	}
	for _, id := range []int64{alive.ID, deadThere.ID, beating.ID, finished.ID} {
		r, _, err := s.RunByID(ctx, id)
		if err != nil || r.Status == store.RunAbandoned {
			t.Errorf("run %d (host %s pid %d) = %s, %v; want left alone", id, r.Host, r.PID, r.Status, err)
		}
	}
	if again, err := s.AbandonGone(ctx, "h1", 5*time.Minute, next); err != nil || len(again) != 0 {
		t.Errorf("second AbandonGone = %+v, %v; want nothing new", again, err)
	}
	// Without next, the message says what happened only.
	silent := start("h1", dead, now)
	if got, err := s.AbandonGone(ctx, "h1", 5*time.Minute, nil); err != nil || len(got) != 1 || got[0].ID != silent.ID {
		t.Fatalf("AbandonGone without next = %+v, %v; want run %d", got, err, silent.ID)
	}
	if r, _, err := s.RunByID(ctx, silent.ID); err != nil || r.Message != fmt.Sprintf("abandoned: process %d on h1 is gone; no heartbeat since %s", dead, now.Format(time.RFC3339)) {
		t.Errorf("run %d message %q, %v", silent.ID, r.Message, err)
	}

	// KeepAlive beats until stopped: a stale run kept alive is not abandoned.
	old := start("h2", 1, now.Add(-10*time.Minute))
	stop := s.KeepAlive(ctx, old.ID, 10*time.Millisecond)
	deadline := time.Now().Add(10 * time.Second)
	for {
		r, _, err := s.RunByID(ctx, old.ID)
		if err != nil {
			t.Fatal(err)
		}
		if r.Heartbeat.After(now.Add(-time.Minute)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("heartbeat still %s after KeepAlive", r.Heartbeat)
		}
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	if gone, err := s.AbandonGone(ctx, "h1", 5*time.Minute, next); err != nil || len(gone) != 0 {
		t.Errorf("AbandonGone after heartbeats = %+v, %v; want nothing", gone, err)
	}
}
