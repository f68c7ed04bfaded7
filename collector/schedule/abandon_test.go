package schedule

import (
	"context"
	"fmt"
	"os/exec"
	"testing"

	"github.com/marketd/marketd/store"
)

// A run left "running" by a process that died (kill -9) is recorded
// abandoned when the job runs next, and that run says it resumed.
func TestRunAfterAKilledOneIsAbandonedAndResumes(t *testing.T) {
	st, _ := tempSQLite(t)
	ctx := context.Background()
	start := utc("2026-11-20T00:00:30Z")
	seedSuccess(t, st, "hourly", utc("2026-11-20T00:00:00Z"))
	exited := exec.Command("true")
	if err := exited.Run(); err != nil {
		t.Fatal(err)
	}
	killed := &store.Run{Job: "hourly", Host: "a", PID: exited.Process.Pid, Started: start}
	if err := st.StartRun(ctx, killed); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, start)
	jobs := []Job{{
		Spec: JobSpec{Name: "hourly", Cron: "0 0 * * * *", TZ: "UTC"},
		Run:  func(context.Context, JobSpec, *store.Run) error { return nil },
	}}
	s := h.scheduler(st, "a", jobs)
	h.start(s)
	h.advanceTo(1, utc("2026-11-20T01:00:00Z"))
	r := h.next(1)[0]
	if want := fmt.Sprintf("resumed from the watermarks after abandoned run %d", killed.ID); r.Status != store.RunOK || r.Message != want {
		t.Fatalf("run after the killed one: %s %q, want ok %q", r.Status, r.Message, want)
	}
	got, _, err := st.RunByID(ctx, killed.ID)
	if err != nil || got.Status != store.RunAbandoned {
		t.Fatalf("killed run recorded %q, %v; want abandoned", got.Status, err)
	}
}
