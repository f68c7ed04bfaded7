package schedule

import (
	"context"
	"fmt"
	"os/exec"
	"testing"

	"github.com/marketd/marketd/store"
)

// A run left "running" by a process that died (kill -9) is recorded
// abandoned when the job runs next, and that run says it resumed: from the
// watermarks for a collecting job, from scratch for the validation.
func TestRunAfterAKilledOneIsAbandonedAndResumes(t *testing.T) {
	for _, tt := range []struct {
		job, abandoned, next string
	}{
		{"hourly", "the next run resumes from the watermarks", "resumed from the watermarks after abandoned run %d"},
		{JobValidate, "the validation runs again at its next slot", "ran again after abandoned run %d"},
	} {
		t.Run(tt.job, func(t *testing.T) {
			st, _ := tempSQLite(t)
			ctx := context.Background()
			start := utc("2026-11-20T00:00:30Z")
			seedSuccess(t, st, tt.job, utc("2026-11-20T00:00:00Z"))
			exited := exec.Command("true")
			if err := exited.Run(); err != nil {
				t.Fatal(err)
			}
			killed := &store.Run{Job: tt.job, Host: "a", PID: exited.Process.Pid, Started: start}
			if err := st.StartRun(ctx, killed); err != nil {
				t.Fatal(err)
			}
			h := newHarness(t, start)
			jobs := []Job{{
				Spec: JobSpec{Name: tt.job, Cron: "0 0 * * * *", TZ: "UTC"},
				Run:  func(context.Context, JobSpec, *store.Run) error { return nil },
			}}
			s := h.scheduler(st, "a", jobs)
			h.start(s)
			h.advanceTo(1, utc("2026-11-20T01:00:00Z"))
			r := h.next(1)[0]
			if want := fmt.Sprintf(tt.next, killed.ID); r.Status != store.RunOK || r.Message != want {
				t.Fatalf("run after the killed one: %s %q, want ok %q", r.Status, r.Message, want)
			}
			got, _, err := st.RunByID(ctx, killed.ID)
			want := fmt.Sprintf("abandoned: process %d on a is gone; no heartbeat since 2026-11-20T00:00:30Z; %s", killed.PID, tt.abandoned)
			if err != nil || got.Status != store.RunAbandoned || got.Message != want {
				t.Fatalf("killed run recorded %q %q, %v; want abandoned %q", got.Status, got.Message, err, want)
			}
		})
	}
}
