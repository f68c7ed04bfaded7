package collector

import (
	"context"
	"errors"
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
			err:     "collector: collect run 1: interrupted (context canceled); committed work is kept, run the same command again to resume",
		},
		{
			name:      "marketd run",
			scheduled: true,
			message:   "interrupted; the next scheduled run (or the catch-up at start-up) resumes from the watermarks",
			err:       "collector: collect-us run 1: interrupted (context canceled); committed work is kept, the next scheduled run (or the catch-up at start-up) resumes from the watermarks",
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
