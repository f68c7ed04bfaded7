package collector

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

// An interrupted run says how its remaining work gets done: from the CLI
// by running the command again; in the daemon (which passes its own run
// record) by the job's next run, which nobody has to start.
func TestInterruptedRunSaysHowItResumes(t *testing.T) {
	tests := []struct {
		name      string
		scheduled bool
		message   string
		err       string
	}{
		{
			name:    "marketd collect",
			message: "interrupted; run the same command again to resume",
			err:     "collect run 1: interrupted (context canceled); committed work is kept; run the same command again to resume",
		},
		{
			name:      "marketd run",
			scheduled: true,
			message:   "interrupted; the next scheduled run (or the catch-up at start-up) resumes from the watermarks",
			err:       "collect-us run 1: interrupted (context canceled); committed work is kept; the next scheduled run (or the catch-up at start-up) resumes from the watermarks",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, "AAA", "BBB", "CCC")
			f.cfg.Sources = map[string]SourceConfig{market.SourceYahoo: {Workers: 1}}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			f.store = &cancelStore{Store: f.st, symbol: "BBB", n: 1, cancel: cancel}
			c, _ := f.collector()
			req := CollectRequest{}
			if tt.scheduled {
				// As the scheduler does: it starts the record and will
				// finish it with the message Collect leaves in it.
				req.Job = "collect-us"
				req.Run = &store.Run{Job: req.Job, Host: "test", Started: f.now, Status: store.RunRunning}
				if err := f.st.StartRun(context.Background(), req.Run); err != nil {
					t.Fatal(err)
				}
			}
			s, err := c.Collect(ctx, req)
			if !errors.Is(err, ErrInterrupted) || err.Error() != tt.err {
				t.Errorf("err = %v\nwant %s", err, tt.err)
			}
			if s.Status != store.RunInterrupted || s.Message != tt.message {
				t.Errorf("run %s %q, want interrupted %q", s.Status, s.Message, tt.message)
			}
			if tt.scheduled && req.Run.Message != tt.message {
				t.Errorf("scheduler's run record message %q, want %q", req.Run.Message, tt.message)
			}
			if !tt.scheduled {
				runs, err := f.st.Runs(context.Background(), "collect", 1)
				if err != nil || len(runs) != 1 || runs[0].Message != tt.message {
					t.Errorf("recorded runs %+v, %v; want one with message %q", runs, err, tt.message)
				}
			}
		})
	}
}

// A forced backfill interrupted and run again with the same command
// fetches only what the interrupted runs did not finish, and says so in
// the run record; another command refetches everything it selects.
func TestForcedBackfillResumes(t *testing.T) {
	f := newFixture(t, "AAA", "BBB", "CCC")
	f.cfg.Sources = map[string]SourceConfig{market.SourceYahoo: {Workers: 1}}
	from := d("2025-06-02")
	const cmd = "marketd backfill --all=true --force=true --from=2025-06-02"
	c, _ := f.collector()
	if _, _, err := c.Backfill(context.Background(), BackfillRequest{From: from}); err != nil {
		t.Fatal(err)
	}

	// Forced: AAA is refetched, then BBB's first write is lost.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.store = &cancelStore{Store: f.st, symbol: "BBB", n: 1, cancel: cancel}
	c, _ = f.collector()
	s, _, err := c.Backfill(ctx, BackfillRequest{From: from, Force: true, Resume: cmd})
	wantErr := "backfill run 2: interrupted (context canceled); committed work is kept; to resume, run: " + cmd
	if !errors.Is(err, ErrInterrupted) || err.Error() != wantErr {
		t.Fatalf("err = %v\nwant %s", err, wantErr)
	}
	if want := "interrupted; to resume, run: " + cmd; s.Message != want || s.OK != 1 {
		t.Fatalf("interrupted run: %d ok, message %q; want 1 ok, %q", s.OK, s.Message, want)
	}

	f.store = f.st
	c, _ = f.collector()
	before := f.srv.total()
	s, plan, err := c.Backfill(context.Background(), BackfillRequest{From: from, Force: true, Resume: cmd})
	if err != nil {
		t.Fatal(err)
	}
	if n := f.srv.total() - before; n != 2 || s.OK != 2 || s.Skipped != 1 {
		t.Errorf("resumed forced run: %d requests, %d ok, %d skipped; want 2, 2, 1 (AAA was done)", n, s.OK, s.Skipped)
	}
	if got := plan.Items[0]; got.Key.Symbol != "AAA" || got.Note != "fetched by the interrupted run 2" {
		t.Errorf("plan for AAA: %+v, want skipped as fetched by run 2", got)
	}

	// The run just finished ends the chain: forced again, all is refetched.
	before = f.srv.total()
	if _, _, err := c.Backfill(context.Background(), BackfillRequest{From: from, Force: true, Resume: cmd}); err != nil {
		t.Fatal(err)
	}
	if n := f.srv.total() - before; n != 3 {
		t.Errorf("forced run after a finished one sent %d requests, want 3", n)
	}
}

// TestOfflineRunSaysSoOnce: a run that reached no host is summed up in
// one line pointing at the offline walk-through, not one resolver error
// per instrument; one that reached a host is summed up as usual.
func TestOfflineRunSaysSoOnce(t *testing.T) {
	f := newFixture(t, "AAA", "BBB")
	c, _ := f.collector()
	f.srv.Close() // nothing answers at its address now
	s, err := c.Collect(context.Background(), CollectRequest{})
	if err != nil {
		t.Fatal(err)
	}
	want := `collect failed: cannot reach 127.0.0.1 (host not found or not answering: no network access?); 2 instruments not collected. ` +
		`To try marketd offline, see "Trying it offline: the simulated market" in the README`
	if !s.Offline() || s.String() != want {
		t.Errorf("offline run: Offline() = %v, summary\n%s\nwant\n%s", s.Offline(), s, want)
	}

	// A host that answers, even with errors, is not offline.
	g := newFixture(t, "AAA")
	g.srv.notFound["AAA"] = true
	c, _ = g.collector()
	if s, err := c.Collect(context.Background(), CollectRequest{}); err != nil || s.Offline() || s.Failed != 1 || len(s.Unreachable) != 0 {
		t.Errorf("run against a 404: %v, Offline() = %v, %d failed, unreachable %q", err, s.Offline(), s.Failed, s.Unreachable)
	}
}

// TestSummarySaysWhySkipped: a run that skipped instruments for one
// reason says it; mixed reasons are left to `marketd status --run`.
func TestSummarySaysWhySkipped(t *testing.T) {
	f := newFixture(t, "AAA", "BBB")
	c, _ := f.collector()
	if _, err := c.Collect(context.Background(), CollectRequest{}); err != nil {
		t.Fatal(err)
	}
	s, err := c.Collect(context.Background(), CollectRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if want := "collect ok: 0 ok, 0 failed, 2 skipped (up to date); rows 0 inserted"; !strings.HasPrefix(s.String(), want) {
		t.Errorf("summary %q, want it to start %q", s, want)
	}
	s.UpToDate = 1
	s.Results = []store.RunResult{{Status: statusSkipped, Error: "another reason"}}
	if want := "collect ok: 0 ok, 0 failed, 2 skipped; rows"; !strings.HasPrefix(s.String(), want) {
		t.Errorf("summary %q, want it to start %q", s, want)
	}
}
