package collector

import (
	"context"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/market/calendar"
	"github.com/marketd/marketd/sources/sourcetest"
)

// With more workers than the budget needs, the server sees requests
// exactly as often as the limiter allows, never more in any second than
// rate × 1s + burst.
func TestWorkersNeverExceedTheRate(t *testing.T) {
	syms := []string{"A01", "A02", "A03", "A04", "A05", "A06", "A07", "A08", "A09", "A10",
		"A11", "A12", "A13", "A14", "A15", "A16", "A17", "A18", "A19", "A20"}
	const (
		perSecond = 8
		workers   = 8
		interval  = time.Second / perSecond
	)
	f := newFixture(t, syms...)
	// The limiter's clock moves only while every worker with a symbol
	// left to fetch waits for a token: the server's stamps are the moments
	// the limiter granted, whatever the machine's load.
	clock := clockwork.NewFakeClock()
	start := clock.Now()
	f.srv.now = clock.Now
	f.hx.Rate, f.hx.Burst, f.hx.Clock = perSecond, 1, clock
	f.cfg.Sources = map[string]SourceConfig{market.SourceYahoo: {Workers: workers, Rate: perSecond}}
	c, _ := f.collector()
	stop, driven := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(driven)
		sourcetest.DriveClock(clock, func() int { return min(workers, len(syms)-f.srv.total()) }, stop)
	}()
	s, err := c.Collect(context.Background(), CollectRequest{})
	close(stop)
	<-driven
	if err != nil {
		t.Fatal(err)
	}
	if s.OK != len(syms) || s.Requests != len(syms) || f.srv.total() != len(syms) {
		t.Fatalf("summary %+v, server saw %d; want %d ok, one request each", s.Run, f.srv.total(), len(syms))
	}
	f.srv.mu.Lock()
	times := append([]time.Time(nil), f.srv.times...)
	f.srv.mu.Unlock()
	sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
	// Burst 1: the first at once, then one every 1/rate, never sooner
	// (a limiter removed or doubled) and never later (one far stricter).
	for i, at := range times {
		if want := start.Add(time.Duration(i) * interval); !at.Equal(want) {
			t.Fatalf("request %d granted at %s, want %s", i, at.Sub(start), want.Sub(start))
		}
	}
	for i := range times {
		n := 0
		for j := i; j < len(times) && times[j].Sub(times[i]) < time.Second; j++ {
			n++
		}
		if n > perSecond+1 {
			t.Fatalf("%d requests within one second from %s, limit %d/s burst 1", n, times[i].Sub(start), perSecond)
		}
	}
}

// fakeBatch is a Source and BatchSource over the truth, for the batch
// path's logic (Naver's polling feed answers the latest session only).
type fakeBatch struct {
	f       *fixture
	size    int             // instruments per Latest call
	absent  map[string]bool // codes the batch answer leaves out
	mu      sync.Mutex
	latest  [][]string // symbols of every Latest call
	fetched []string
}

func (b *fakeBatch) series(inst market.Instrument, from, to market.Date) market.Series {
	s := market.Series{Key: inst.Key}
	for _, day := range xnys.Sessions(from, to) {
		if c, ok := b.f.want(inst.Symbol, day, day)[day]; ok {
			s.Bars = append(s.Bars, market.Bar{Date: day, Close: c})
		}
	}
	return s
}

func (b *fakeBatch) Fetch(ctx context.Context, inst market.Instrument, from, to market.Date) (market.Series, error) {
	b.mu.Lock()
	b.fetched = append(b.fetched, inst.Symbol)
	b.mu.Unlock()
	return b.series(inst, from, to), nil
}

func (b *fakeBatch) BatchSize() int { return b.size }

func (b *fakeBatch) Latest(ctx context.Context, insts []market.Instrument) (map[market.Key]market.Series, error) {
	var syms []string
	out := map[market.Key]market.Series{}
	last := xnys.LastClosed(b.f.now)
	for _, in := range insts {
		syms = append(syms, in.Symbol)
		if !b.absent[in.Symbol] {
			out[in.Key] = b.series(in, last, last)
		}
	}
	b.mu.Lock()
	b.latest = append(b.latest, syms)
	b.mu.Unlock()
	return out, nil
}

func TestBatchAnswersTheLatestSession(t *testing.T) {
	f := newFixture(t, "AAA", "BBB", "CCC")
	f.cfg.Sources = map[string]SourceConfig{market.SourceYahoo: {Workers: 1}}
	fb := &fakeBatch{f: f, size: 2, absent: map[string]bool{"CCC": true}}
	newC := func() *Collector {
		c, err := New(f.cfg, Deps{Sources: map[string]Source{market.SourceYahoo: fb}, Store: f.st,
			Calendars: func(_ context.Context, code string) (Calendar, error) { return calendar.For(code) }, Now: func() time.Time { return f.now }, Log: discard})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	ctx := context.Background()
	// New instruments have no watermark: per-instrument fetches.
	if _, err := newC().Collect(ctx, CollectRequest{}); err != nil {
		t.Fatal(err)
	}
	if len(fb.latest) != 0 || len(fb.fetched) != 3 {
		t.Fatalf("first run: %d batch calls, fetched %v; want per-instrument fetches only", len(fb.latest), fb.fetched)
	}
	next := d("2026-03-09")
	f.tr.mu.Lock()
	for _, sym := range []string{"AAA", "BBB", "CCC"} {
		f.tr.closes[sym][next] = market.DecimalFromInt(321)
	}
	f.tr.mu.Unlock()
	f.now = time.Date(2026, 3, 9, 21, 0, 0, 0, time.UTC)
	fb.fetched = nil
	s, err := newC().Collect(ctx, CollectRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(fb.latest) != 2 || len(fb.latest[0]) != 2 || len(fb.latest[1]) != 1 {
		t.Fatalf("batch calls %v, want [AAA BBB] [CCC]", fb.latest)
	}
	if len(fb.fetched) != 1 || fb.fetched[0] != "CCC" {
		t.Fatalf("fell back for %v, want [CCC] (absent from the batch answer)", fb.fetched)
	}
	if s.OK != 3 || s.Inserted != 3 {
		t.Fatalf("summary %+v, want 3 ok, 3 inserted", s.Run)
	}
	for _, sym := range []string{"AAA", "BBB", "CCC"} {
		if got := f.stored(sym, next, next)[next]; got != market.DecimalFromInt(321) {
			t.Errorf("%s close on %s: %s, want 321", sym, next, got)
		}
		if wm := f.watermark(sym); wm != next {
			t.Errorf("%s watermark %s, want %s", sym, wm, next)
		}
	}
}

// fetchOnly hides a source's batch feed.
type fetchOnly struct{ Source }

// silentSplits makes a source declare that it hides its splits, as Naver does.
type silentSplits struct{ Source }

func (silentSplits) SilentSplits() bool { return true }

// A source without split events (Naver) restates its whole history after a
// split: a stored close in the overlap that no longer matches makes the
// collector refetch the whole history.
func TestOverlapMismatchRefetchesHistory(t *testing.T) {
	f := newFixture(t, "AAA")
	fb := &fakeBatch{f: f}
	c, err := New(f.cfg, Deps{Sources: map[string]Source{market.SourceYahoo: silentSplits{fetchOnly{fb}}}, Store: f.st,
		Calendars: func(_ context.Context, code string) (Calendar, error) { return calendar.For(code) }, Now: func() time.Time { return f.now }, Log: discard})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.Collect(ctx, CollectRequest{}); err != nil {
		t.Fatal(err)
	}
	next := d("2026-03-09")
	f.tr.mu.Lock()
	for day, c := range f.tr.closes["AAA"] {
		f.tr.closes["AAA"][day] = c / 2
	}
	f.tr.closes["AAA"][next] = market.DecimalFromInt(80)
	f.tr.mu.Unlock()
	f.now = time.Date(2026, 3, 9, 21, 0, 0, 0, time.UTC)
	s, err := c.Collect(ctx, CollectRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Refetched != 1 || !strings.Contains(s.Results[0].Error, "stored close") {
		t.Fatalf("summary %+v refetched %d, want a refetch explained by the stored close", s.Run, s.Refetched)
	}
	if got := diff(f.stored("AAA", 0, next), f.want("AAA", 0, next)); got != "" {
		t.Fatalf("history after refetch: %s", got)
	}
	// A restated close within rounding is not a rewrite.
	if !sameClose(market.DecimalFromInt(70000), market.DecimalFromInt(70001)) || sameClose(market.DecimalFromInt(100), market.DecimalFromInt(50)) {
		t.Fatal("sameClose tolerance wrong")
	}
}
