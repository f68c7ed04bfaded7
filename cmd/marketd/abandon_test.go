package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/marketd/marketd/store"

	"github.com/marketd/marketd/cmd/marketd/internal/cli"
)

// A validation abandoned by its process keeps no progress: status records
// it as run again at its next slot, not resumed from the watermarks.
func TestStatusAbandonsAValidation(t *testing.T) {
	env, path := tempDB(t)
	st := openSeeded(t, path)
	started := time.Date(2026, 9, 29, 22, 0, 0, 0, time.UTC)
	run := &store.Run{Job: "validate", Started: started}
	if err := st.StartRun(context.Background(), run); err != nil {
		t.Fatal(err)
	}
	st.Close()

	r := marketd(t, env, "status", "--run", "1")
	want := "message:      abandoned: no heartbeat from an unknown host since 2026-09-29T22:00:00Z; the validation runs again at its next slot\n"
	if r.code != cli.ExitOK || !strings.Contains(r.stdout, want) {
		t.Errorf("status --run 1: exit %d, stderr %q, stdout\n%s\nwant the line %q", r.code, r.stderr, r.stdout, want)
	}
}
