package collector

import (
	"context"
	"errors"
	"testing"
)

// A whole-history backfill (no --from) killed mid-instrument resumes from
// what is stored: it used to restart the instrument at HistoryStart,
// because the listing date was only learned once the instrument finished.
func TestWholeHistoryBackfillResumesAfterInterruption(t *testing.T) {
	f := newFixture(t, "BBB")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.store = &cancelStore{Store: f.st, symbol: "BBB", n: 3, cancel: cancel} // the third batch of 40 is lost
	c, _ := f.collector()
	if _, _, err := c.Backfill(ctx, BackfillRequest{}); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("err %v, want ErrInterrupted", err)
	}
	f.store = f.st
	c, _ = f.collector()
	_, plan, err := c.Backfill(context.Background(), BackfillRequest{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	sessions := xnys.Sessions(d("2025-06-02"), d("2026-03-06"))
	want := Range{sessions[80], d("2026-03-06")} // after the two committed batches
	if len(plan.Items) != 1 || len(plan.Items[0].Ranges) != 1 || plan.Items[0].Ranges[0] != want {
		t.Fatalf("resume plan %+v, want %v", plan.Items, want)
	}
	s, _, err := c.Backfill(context.Background(), BackfillRequest{})
	if err != nil || s.OK != 1 || s.Inserted != len(sessions)-80 {
		t.Fatalf("resumed run %+v, %v; want ok, %d inserted", s.Run, err, len(sessions)-80)
	}
	if got := diff(f.stored("BBB", 0, d("2026-03-06")), f.want("BBB", 0, d("2026-03-06"))); got != "" {
		t.Errorf("stored after resume: %s", got)
	}
}
