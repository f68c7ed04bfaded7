package collector

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

func TestCollectRestatementWindow(t *testing.T) {
	f := newFixture(t, "AAPL")
	ctx := context.Background()
	c, _ := f.collector()
	s, err := c.Collect(ctx, CollectRequest{})
	if err != nil {
		t.Fatal(err)
	}
	to := d("2026-03-06")
	first := d("2026-02-04") // the first session on or after to - 30 days
	wantRows := len(xnys.Sessions(first, to))
	if s.OK != 1 || s.Failed != 0 || s.Inserted != wantRows || s.Status != store.RunOK || s.Requests != 1 {
		t.Fatalf("first run: %+v, want 1 ok, %d inserted, 1 request", s.Run, wantRows)
	}
	if got := diff(f.stored("AAPL", 0, to), f.want("AAPL", first, to)); got != "" {
		t.Fatalf("first run stored: %s", got)
	}
	if wm := f.watermark("AAPL"); wm != to {
		t.Fatalf("watermark %s, want %s", wm, to)
	}

	// Next trading day: restate one close inside the restatement window
	// (the 5 sessions ending at the watermark) and one outside it.
	inside, outside := d("2026-03-03"), d("2026-02-26")
	before := f.stored("AAPL", outside, outside)[outside]
	f.tr.mu.Lock()
	f.tr.closes["AAPL"][inside] += market.DecimalFromInt(7)
	f.tr.closes["AAPL"][outside] += market.DecimalFromInt(7)
	f.tr.closes["AAPL"][d("2026-03-09")] = market.DecimalFromInt(500)
	f.tr.mu.Unlock()
	f.now = time.Date(2026, 3, 9, 21, 0, 0, 0, time.UTC) // 17:00 EDT
	c, _ = f.collector()
	s, err = c.Collect(ctx, CollectRequest{})
	if err != nil {
		t.Fatal(err)
	}
	// Window: 2026-02-27..2026-03-09 = 6 sessions: one new, one changed.
	if s.Inserted != 1 || s.Changed != 1 || s.Unchanged != 4 {
		t.Fatalf("second run counts: inserted %d changed %d unchanged %d, want 1 1 4", s.Inserted, s.Changed, s.Unchanged)
	}
	got := f.stored("AAPL", 0, d("2026-03-09"))
	if got[inside] != f.want("AAPL", inside, inside)[inside] {
		t.Errorf("close inside the window: %s, want the restated %s", got[inside], f.want("AAPL", inside, inside)[inside])
	}
	if got[outside] != before {
		t.Errorf("close outside the window: %s, want the stored %s untouched", got[outside], before)
	}
	if wm := f.watermark("AAPL"); wm != d("2026-03-09") {
		t.Fatalf("watermark %s, want 2026-03-09", wm)
	}
	bars, err := f.st.Bars(ctx, market.Key{Source: market.SourceYahoo, Symbol: "AAPL"}, d("2026-03-02"), d("2026-03-03"))
	if err != nil {
		t.Fatal(err)
	}
	// 5 sessions ending 2026-03-09 start at 2026-03-03: older bars are final.
	if len(bars) != 2 || !bars[0].Final || bars[1].Final {
		t.Errorf("finality of 03-02, 03-03: %+v, want final, not final", bars)
	}

	// Nothing due: skipped without a request.
	c, pool := f.collector()
	s, err = c.Collect(ctx, CollectRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Skipped != 1 || s.OK != 0 || pool.Total().Requests != 0 {
		t.Fatalf("third run: %+v, %d requests; want skipped without requests", s.Run, pool.Total().Requests)
	}
}

func TestCollectNotFoundFailsOneInstrument(t *testing.T) {
	f := newFixture(t, "AAA", "BBB", "CCC")
	f.srv.notFound["BBB"] = true
	c, _ := f.collector()
	s, err := c.Collect(context.Background(), CollectRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if s.OK != 2 || s.Failed != 1 || s.Status != store.RunPartial || s.ExitCode() != 1 {
		t.Fatalf("summary %+v, want 2 ok, 1 failed, partial, exit 1", s.Run)
	}
	for _, r := range s.Results {
		want := statusOK
		if r.Key.Symbol == "BBB" {
			want = statusFailed
			if !strings.Contains(r.Error, "BBB") || !strings.Contains(r.Error, market.ErrNotFound.Error()) {
				t.Errorf("BBB error %q does not name the symbol and the cause", r.Error)
			}
		}
		if r.Status != want {
			t.Errorf("%s: status %s, want %s", r.Key, r.Status, want)
		}
	}
	if !strings.Contains(s.String(), "failed: yahoo:BBB: ") {
		t.Errorf("summary line %q does not say what failed", s.String())
	}
	runs, err := f.st.Runs(context.Background(), "collect", 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || runs[0].Status != store.RunPartial || runs[0].Failed != 1 || len(runs[0].Results) != 3 {
		t.Fatalf("recorded run %+v, want partial with 1 failed and 3 results", runs)
	}
}

func TestCollectRetries5xxBurst(t *testing.T) {
	f := newFixture(t, "AAA", "BBB")
	f.srv.fail503["AAA"] = 3
	c, _ := f.collector()
	s, err := c.Collect(context.Background(), CollectRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if s.OK != 2 || s.Failed != 0 || s.Retries != 3 || s.Requests != 5 {
		t.Fatalf("summary %+v, want 2 ok, 3 retries, 5 requests", s.Run)
	}
	if got := diff(f.stored("AAA", 0, d("2026-03-06")), f.want("AAA", d("2026-02-04"), d("2026-03-06"))); got != "" {
		t.Fatalf("AAA stored after retries: %s", got)
	}
}

func TestCollectRateLimitedFailsTheRest(t *testing.T) {
	f := newFixture(t, "AAA", "BBB", "CCC")
	f.srv.always = func(w http.ResponseWriter) bool { w.WriteHeader(http.StatusTooManyRequests); return true }
	f.hx.MaxCooldown = 20 * time.Millisecond
	f.cfg.Sources = map[string]SourceConfig{market.SourceYahoo: {Workers: 1}}
	c, _ := f.collector()
	s, err := c.Collect(context.Background(), CollectRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Failed != 3 || s.OK != 0 || s.Status != store.RunFailed || s.Throttled == 0 {
		t.Fatalf("summary %+v, want 3 failed, throttled counted", s.Run)
	}
	var notAttempted int
	for _, r := range s.Results {
		if strings.Contains(r.Error, "not attempted: yahoo kept answering HTTP 429") {
			notAttempted++
		} else if !strings.Contains(r.Error, "rate limited") {
			t.Errorf("%s: error %q does not say rate limited", r.Key, r.Error)
		}
	}
	if notAttempted != 2 {
		t.Errorf("%d instruments skipped as rate-limited, want 2 (after the first gave up)", notAttempted)
	}
}

func TestCollectSplitRefetchesHistory(t *testing.T) {
	f := newFixture(t, "AAPL")
	ctx := context.Background()
	c, _ := f.collector()
	if _, err := c.Collect(ctx, CollectRequest{}); err != nil {
		t.Fatal(err)
	}
	// A 2:1 split on the next session: the source now serves every
	// earlier close halved.
	split := d("2026-03-09")
	f.tr.mu.Lock()
	for day, c := range f.tr.closes["AAPL"] {
		f.tr.closes["AAPL"][day] = c / 2
	}
	f.tr.closes["AAPL"][split] = market.DecimalFromInt(90)
	f.tr.splits["AAPL"] = map[market.Date][2]int{split: {2, 1}}
	f.tr.mu.Unlock()
	f.now = time.Date(2026, 3, 9, 21, 0, 0, 0, time.UTC)
	c, _ = f.collector()
	s, err := c.Collect(ctx, CollectRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Refetched != 1 || s.OK != 1 || s.Requests != 2 || !strings.Contains(s.Results[0].Error, "new split 2:1 on 2026-03-09") {
		t.Fatalf("summary %+v refetched %d, want one refetch for the new split", s.Run, s.Refetched)
	}
	// The whole history is the truth's again, from HistoryStart on.
	if got := diff(f.stored("AAPL", 0, split), f.want("AAPL", 0, split)); got != "" {
		t.Fatalf("history after split: %s", got)
	}
	// The split is stored: the next run does not refetch again.
	f.now = time.Date(2026, 3, 10, 21, 0, 0, 0, time.UTC)
	f.tr.mu.Lock()
	f.tr.closes["AAPL"][d("2026-03-10")] = market.DecimalFromInt(91)
	f.tr.mu.Unlock()
	c, _ = f.collector()
	if s, err = c.Collect(ctx, CollectRequest{}); err != nil || s.Refetched != 0 || s.Inserted != 1 {
		t.Fatalf("run after the split: %+v refetched %d, err %v; want 1 inserted, no refetch", s.Run, s.Refetched, err)
	}
}

// cancelStore cancels the run between fetch and commit: the Write for
// symbol number n (counting writes of that symbol) never reaches the store.
type cancelStore struct {
	Store
	symbol string
	n      int
	cancel context.CancelFunc
	writes int
}

func (s *cancelStore) Write(ctx context.Context, batch []store.Write) (store.WriteResult, error) {
	if batch[0].Key.Symbol == s.symbol {
		if s.writes++; s.writes == s.n {
			s.cancel()
			return store.WriteResult{}, context.Canceled
		}
	}
	return s.Store.Write(ctx, batch)
}

func TestBackfillInterruptedThenResumed(t *testing.T) {
	f := newFixture(t, "AAA", "BBB", "CCC")
	f.cfg.Sources = map[string]SourceConfig{market.SourceYahoo: {Workers: 1}}
	from, to := d("2025-06-02"), d("2026-03-06")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// BBB's third batch of 40 bars is lost as if the process died.
	f.store = &cancelStore{Store: f.st, symbol: "BBB", n: 3, cancel: cancel}
	c, _ := f.collector()
	s, _, err := c.Backfill(ctx, BackfillRequest{From: from})
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("err %v, want ErrInterrupted", err)
	}
	if s.Status != store.RunInterrupted || s.OK != 1 {
		t.Fatalf("interrupted run %+v, want interrupted with AAA done", s.Run)
	}
	runs, err := f.st.Runs(context.Background(), "backfill", 1)
	if err != nil || len(runs) != 1 || runs[0].Status != store.RunInterrupted {
		t.Fatalf("recorded runs %+v, %v; want one interrupted", runs, err)
	}
	// Two batches of BBB committed, the watermark with them.
	bbb := xnys.Sessions(from, to)
	if wm := f.watermark("BBB"); wm != bbb[79] {
		t.Fatalf("BBB watermark %s after the interruption, want %s (the last committed bar)", wm, bbb[79])
	}

	f.store = f.st
	c, _ = f.collector()
	before := f.srv.total()
	s, _, err = c.Backfill(context.Background(), BackfillRequest{From: from})
	if err != nil {
		t.Fatal(err)
	}
	if s.Status != store.RunOK || s.OK != 2 || s.Skipped != 1 {
		t.Fatalf("resumed run %+v, want ok with 2 fetched and 1 skipped", s.Run)
	}
	if n := f.srv.total() - before; n != 2 {
		t.Errorf("resume sent %d requests, want 2 (BBB and CCC; AAA is done)", n)
	}
	if s.Inserted != len(bbb)-80+len(bbb) {
		t.Errorf("resume inserted %d, want %d", s.Inserted, len(bbb)-80+len(bbb))
	}
	for _, sym := range []string{"AAA", "BBB", "CCC"} {
		if got := diff(f.stored(sym, 0, to), f.want(sym, from, to)); got != "" {
			t.Errorf("%s stored after resume: %s", sym, got)
		}
		if wm := f.watermark(sym); wm != to {
			t.Errorf("%s watermark %s, want %s", sym, wm, to)
		}
	}
}

func TestBackfillDryRun(t *testing.T) {
	f := newFixture(t, "AAA", "BBB")
	f.cfg.Sources = map[string]SourceConfig{market.SourceYahoo: {Rate: 0.5}} // 30/min
	c, _ := f.collector()
	_, plan, err := c.Backfill(context.Background(), BackfillRequest{From: d("2020-01-02"), DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if f.srv.total() != 0 {
		t.Fatalf("dry run sent %d requests", f.srv.total())
	}
	if len(plan.Items) != 2 || plan.Requests[market.SourceYahoo] != 2 || plan.Duration[market.SourceYahoo] != 4*time.Second {
		t.Fatalf("plan %+v, want 2 items, 2 requests, 4s", plan)
	}
	want := []Range{{d("2020-01-02"), d("2026-03-06")}}
	if r := plan.Items[0].Ranges; len(r) != 1 || r[0] != want[0] {
		t.Fatalf("ranges %v, want %v", r, want)
	}
}

// A backfill without --from fetches everything the source has, also for an
// instrument that collect started recently, and learns the listing date so
// that a rerun fetches nothing.
func TestBackfillWholeHistoryLearnsListing(t *testing.T) {
	f := newFixture(t, "AAA")
	ctx := context.Background()
	c, _ := f.collector()
	if _, err := c.Collect(ctx, CollectRequest{}); err != nil {
		t.Fatal(err)
	}
	s, _, err := c.Backfill(ctx, BackfillRequest{Filter: Filter{Symbols: []string{"AAA"}}})
	if err != nil {
		t.Fatal(err)
	}
	all := f.want("AAA", 0, d("2026-03-06"))
	if got := diff(f.stored("AAA", 0, d("2026-03-06")), all); got != "" || s.OK != 1 || s.Inserted != len(all)-len(xnys.Sessions(d("2026-02-04"), d("2026-03-06"))) {
		t.Fatalf("backfill %+v stored %s", s.Run, got)
	}
	insts, err := f.st.Instruments(ctx, store.InstrumentFilter{Symbols: []string{"AAA"}})
	if err != nil || len(insts) != 1 || insts[0].Listed != d("2025-06-02") {
		t.Fatalf("instrument %+v, %v; want listed 2025-06-02 (the first bar the source has)", insts, err)
	}
	before := f.srv.total()
	s, _, err = c.Backfill(ctx, BackfillRequest{})
	if err != nil || s.Skipped != 1 || f.srv.total() != before {
		t.Fatalf("rerun %+v, %v, %d requests; want skipped without a request", s.Run, err, f.srv.total()-before)
	}
	// Force refetches what is stored.
	s, _, err = c.Backfill(ctx, BackfillRequest{Force: true})
	if err != nil || s.OK != 1 || s.Unchanged != len(all) || f.srv.total() != before+1 {
		t.Fatalf("forced rerun %+v, %v; want one request, everything unchanged", s.Run, err)
	}
}
