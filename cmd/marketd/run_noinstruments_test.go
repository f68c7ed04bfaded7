package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/marketd/marketd/store"
)

// A scheduled collect job with nothing to collect ends ok, and its run
// says why it did nothing; a job that collected something says nothing.
func TestRunDaemonJobWithoutInstruments(t *testing.T) {
	_, dbPath := tempDB(t)
	seed(t, dbPath, testInstruments[:2], nil) // the two yahoo instruments only
	_, url := simulated(t, nil)
	cfgPath := filepath.Join(t.TempDir(), "marketd.yaml")
	if err := os.WriteFile(cfgPath, []byte(daemonConfig("sqlite:"+dbPath, url, "0 30 17 * * MON-FRI", "unlimited")), 0o600); err != nil {
		t.Fatal(err)
	}
	td := startDaemon(t, cfgPath)
	ctx := context.Background()

	for _, want := range []struct {
		job, message string
		ok           int
	}{
		{"collect-krx", "no active instruments for source naver on market XKRX", 0},
		{"collect-us", "", 2},
	} {
		var runs []store.Run
		eventually(t, want.job+" catch-up run", func() bool {
			var err error
			runs, err = td.a.store.Runs(ctx, want.job, 10)
			if err != nil {
				t.Fatal(err)
			}
			return len(runs) > 0 && runs[0].Status != store.RunRunning
		})
		r := runs[0]
		if len(runs) != 1 || r.Status != store.RunOK || r.OK != want.ok || r.Failed != 0 || r.Message != want.message {
			t.Errorf("%s: %d runs, first: status %s, ok %d, failed %d, message %q; want one ok run of %d, message %q",
				want.job, len(runs), r.Status, r.OK, r.Failed, r.Message, want.ok, want.message)
		}
	}
	if err := td.stop(t); err != nil {
		t.Errorf("stop: %v", err)
	}
}
