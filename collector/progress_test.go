package collector

import (
	"bytes"
	"context"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/marketd/marketd/sources/httpx"
	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

// recorder keeps every Status a run reports.
type recorder struct {
	mu               sync.Mutex
	start, last, end Status
	updates          int
}

func (r *recorder) Start(s Status)  { r.mu.Lock(); r.start = s; r.mu.Unlock() }
func (r *recorder) Update(s Status) { r.mu.Lock(); r.last = s; r.updates++; r.mu.Unlock() }
func (r *recorder) Finish(s Status) { r.mu.Lock(); r.end = s; r.mu.Unlock() }

func TestProgressReportsEveryInstrument(t *testing.T) {
	f := newFixture(t, "AAA", "BBB", "CCC")
	// 3 planned requests at 0.5/s: the first ETA is 6s.
	f.cfg.Sources = map[string]SourceConfig{market.SourceYahoo: {Rate: 0.5}}
	c, _ := f.collector()
	rec := &recorder{}
	if _, _, err := c.Backfill(context.Background(), BackfillRequest{From: d("2026-01-02"), Progress: rec}); err != nil {
		t.Fatal(err)
	}
	rows := 3 * len(xnys.Sessions(d("2026-01-02"), d("2026-03-06")))
	if rec.start.Total != 3 || rec.start.ETA != 6*time.Second {
		t.Errorf("start %+v, want total 3, ETA 6s", rec.start)
	}
	if rec.updates != 3 || rec.end.Done != 3 || rec.end.Rows != rows || rec.end.Requests != 3 || rec.end.ETA != 0 {
		t.Errorf("%d updates, end %+v; want 3 updates, 3 done, %d rows, 3 requests, no ETA left", rec.updates, rec.end, rows)
	}
}

func TestBarAndLogProgressRender(t *testing.T) {
	var buf bytes.Buffer
	b := NewBar(&buf)
	b.Start(Status{Total: 2, ETA: 90 * time.Second})
	b.Update(Status{Done: 2, Total: 2, Rows: 10, Requests: 2, Throttled: 1})
	b.Finish(Status{Done: 2, Total: 2, Rows: 10, Requests: 2, Throttled: 1, Waited: 3 * time.Second, Paused: 12 * time.Second})
	if !strings.Contains(buf.String(), "10 rows, 2 requests, 1×429 (waited 3s, paused 12s by a 429)") {
		t.Errorf("bar output %q lacks the counters and the pause in force", buf.String())
	}
	var logs bytes.Buffer
	p := NewLogProgress(slog.New(slog.NewTextHandler(&logs, nil)), time.Hour)
	p.Start(Status{Total: 2})
	p.Update(Status{Done: 1, Total: 2}) // within the interval: no line
	p.Finish(Status{Done: 2, Total: 2, ETA: 0, Paused: 5 * time.Second})
	if n := strings.Count(logs.String(), "\n"); n != 2 || !strings.Contains(logs.String(), `msg="run finished" done=2 total=2`) ||
		!strings.Contains(logs.String(), "waited=0s paused=5s") {
		t.Errorf("log lines %q, want start and finish only", logs.String())
	}
}

func TestBackfillGapsOnly(t *testing.T) {
	f := newFixture(t, "AAA")
	gap := Range{d("2026-01-05"), d("2026-01-09")}
	var asked []Range
	finder := func(ctx context.Context, inst market.Instrument, from, to market.Date) ([][2]market.Date, error) {
		asked = append(asked, Range{from, to})
		return [][2]market.Date{{gap.From, gap.To}}, nil
	}
	c, _ := f.collector()
	s, _, err := c.Backfill(context.Background(), BackfillRequest{From: d("2026-01-02"), Gaps: finder})
	if err != nil {
		t.Fatal(err)
	}
	if len(asked) != 1 || asked[0] != (Range{d("2026-01-02"), d("2026-03-06")}) {
		t.Fatalf("gap finder asked %v", asked)
	}
	if got := diff(f.stored("AAA", 0, d("2026-12-31")), f.want("AAA", gap.From, gap.To)); got != "" || s.Inserted != 5 {
		t.Fatalf("stored %s, inserted %d; want exactly the gap's 5 sessions", got, s.Inserted)
	}
}

// The scheduler keeps the run record itself: Collect only fills it.
func TestCollectFillsACallerOwnedRun(t *testing.T) {
	f := newFixture(t, "AAA")
	c, _ := f.collector()
	run := &store.Run{Job: "collect-XNYS", Status: store.RunRunning}
	if err := f.st.StartRun(context.Background(), run); err != nil {
		t.Fatal(err)
	}
	s, err := c.Collect(context.Background(), CollectRequest{Filter: Filter{Market: market.XNYS}, Run: run})
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != store.RunOK || run.OK != 1 || len(run.Results) != 1 || s.ID != run.ID {
		t.Fatalf("run %+v, want ok with one result", run)
	}
	runs, err := f.st.Runs(context.Background(), "collect-XNYS", 5)
	if err != nil || len(runs) != 1 || runs[0].Status != store.RunRunning {
		t.Fatalf("stored runs %+v, %v: Collect must leave finishing to the owner", runs, err)
	}
}

// TestBarInterrupted: the bar of an interrupted run stays where the run
// stopped, and shows one ETA, the rate limit's.
func TestBarInterrupted(t *testing.T) {
	var buf bytes.Buffer
	b := NewBar(&buf)
	b.Start(Status{Total: 3, ETA: 90 * time.Second})
	b.Update(Status{Done: 1, Total: 3, ETA: 60 * time.Second})
	b.Finish(Status{Done: 1, Total: 3, ETA: 60 * time.Second})
	out := buf.String()
	frames := strings.Split(strings.TrimRight(out, "\n"), "\r")
	last := frames[len(frames)-1]
	if !strings.Contains(last, "(1/3)") || strings.Contains(out, "100%") || strings.Contains(out, "(3/3") {
		t.Errorf("interrupted bar's last frame %q (all: %q), want it at 1/3, never full", last, out)
	}
	if n := strings.Count(last, "ETA"); n != 1 || regexp.MustCompile(`\[[^]]*:[^]]*\]`).MatchString(last) {
		t.Errorf("last frame %q: want exactly one ETA (ours) and no predicted time", last)
	}
}

// TestWaitedIsWallClock: two hosts that kept requests waiting at the same
// time report the longer wait, not the sum.
func TestWaitedIsWallClock(t *testing.T) {
	at := map[string]httpx.Stats{"a": {Waited: time.Second}, "b": {Waited: 2 * time.Second}}
	now := map[string]httpx.Stats{"a": {Waited: 4 * time.Second}, "b": {Waited: 5 * time.Second}}
	l := &runLog{c: &Collector{deps: Deps{Stats: func() map[string]httpx.Stats { return now }}}, stats0: at}
	if got := l.traffic().Waited; got != 3*time.Second {
		t.Errorf("Waited = %s, want 3s (each host waited 3s during the run)", got)
	}
}
