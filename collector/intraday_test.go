package collector

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/market/calendar"
	"github.com/marketd/marketd/store"
)

// fakeMinutes serves a deterministic minute series of every instrument on
// the XNYS calendar: the bars BarStarts expects (with PrePost, every bar
// from 04:00 to 20:00 New York), and records the requests.
type fakeMinutes struct {
	reach map[market.Interval]time.Duration
	fail  map[string]error // by symbol

	mu   sync.Mutex
	reqs []minuteCall
}

type minuteCall struct {
	symbol string
	req    market.MinuteRequest
}

func (f *fakeMinutes) MinuteReach(iv market.Interval) time.Duration { return f.reach[iv] }

func (f *fakeMinutes) Minutes(ctx context.Context, inst market.Instrument, req market.MinuteRequest) ([]market.MinuteBar, error) {
	f.mu.Lock()
	f.reqs = append(f.reqs, minuteCall{inst.Symbol, req})
	f.mu.Unlock()
	if err := f.fail[inst.Symbol]; err != nil {
		return nil, err
	}
	var out []market.MinuteBar
	for _, d := range xnys.Sessions(market.DateOf(req.From.In(newYork)), market.DateOf(req.To.In(newYork))) {
		for _, s := range minuteStarts(d, req.Interval, req.PrePost) {
			if !s.Before(req.From) && s.Before(req.To) {
				out = append(out, minuteTruth(inst.Symbol, s))
			}
		}
	}
	return out, nil
}

func (f *fakeMinutes) calls() []minuteCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.reqs
	f.reqs = nil
	return out
}

// minuteStarts are the bar starts of session d the fake serves.
func minuteStarts(d market.Date, iv market.Interval, prePost bool) []time.Time {
	if !prePost {
		return xnys.BarStarts(d, iv)
	}
	var out []time.Time
	end := time.Date(d.Year(), d.Month(), d.Day(), 20, 0, 0, 0, newYork)
	for s := time.Date(d.Year(), d.Month(), d.Day(), 4, 0, 0, 0, newYork); s.Before(end); s = s.Add(iv.Duration()) {
		out = append(out, s.UTC())
	}
	return out
}

// minuteTruth is the fake's bar of symbol starting at s.
func minuteTruth(symbol string, s time.Time) market.MinuteBar {
	p := market.DecimalFromInt(100+int64(len(symbol))) + market.DecimalFromInt(s.Unix()/60%97)/100
	return market.MinuteBar{Start: s.UTC(), Open: market.Some(p), High: market.Some(p + market.DecimalFromInt(1)),
		Low: market.Some(p - market.DecimalFromInt(1)), Close: p, Volume: market.Some(s.Unix() / 60 % 1000)}
}

// truthOf is every bar the fake has of symbol in sessions from..to.
func truthOf(symbol string, iv market.Interval, from, to market.Date, prePost bool) []market.MinuteBar {
	var out []market.MinuteBar
	for _, d := range xnys.Sessions(from, to) {
		for _, s := range minuteStarts(d, iv, prePost) {
			out = append(out, minuteTruth(symbol, s))
		}
	}
	return out
}

type minuteFixture struct {
	t   *testing.T
	st  *store.Store
	src *fakeMinutes
	now time.Time
	cfg Config
	// store is what the collector writes through (st unless wrapped).
	store Store
}

// newMinuteFixture: AAPL at 1m, MSFT at 5m, BAD at 1m (its source fails
// it), IBM without intraday and NAV, a naver code at 1m whose source
// serves no minutes here. The clock is Friday 2026-10-09, 17:00 New York.
func newMinuteFixture(t *testing.T) *minuteFixture {
	st := newStore(t)
	yahooAt := func(sym string, iv market.Interval) market.Instrument {
		return market.Instrument{Key: market.Key{Source: market.SourceYahoo, Symbol: sym}, Market: market.XNYS, Active: true, Intraday: iv}
	}
	insts := []market.Instrument{yahooAt("AAPL", market.Interval1m), yahooAt("MSFT", market.Interval5m), yahooAt("BAD", market.Interval1m),
		yahooAt("IBM", 0), {Key: market.Key{Source: market.SourceNaver, Symbol: "005930"}, Market: market.XKRX, Active: true, Intraday: market.Interval1m}}
	if _, err := st.AddInstruments(context.Background(), insts); err != nil {
		t.Fatal(err)
	}
	return &minuteFixture{t: t, st: st, store: st,
		src: &fakeMinutes{reach: map[market.Interval]time.Duration{market.Interval1m: 7 * 24 * time.Hour, market.Interval5m: 14 * 24 * time.Hour},
			fail: map[string]error{"BAD": errors.New(`yahoo: BAD: HTTP 404: "Not Found"`)}},
		now: time.Date(2026, 10, 9, 21, 0, 0, 0, time.UTC),
		cfg: Config{Host: "test", WriteBatch: 390}}
}

func (f *minuteFixture) collector() *Collector {
	c, err := New(f.cfg, Deps{
		Sources:       map[string]Source{market.SourceYahoo: fetchOnly{}},
		MinuteSources: map[string]MinuteSource{market.SourceYahoo: f.src},
		Store:         f.store,
		Calendars:     func(_ context.Context, code string) (Calendar, error) { return calendar.For(code) },
		Log:           discard,
		Now:           func() time.Time { return f.now },
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

func (f *minuteFixture) stored(sym string, iv market.Interval) []market.MinuteBar {
	f.t.Helper()
	got, err := f.st.MinuteBars(context.Background(), market.Key{Source: market.SourceYahoo, Symbol: sym}, iv, time.Time{}, time.Time{})
	if err != nil {
		f.t.Fatal(err)
	}
	return got
}

func (f *minuteFixture) equalBars(what string, got, want []market.MinuteBar) {
	f.t.Helper()
	if len(got) != len(want) {
		f.t.Fatalf("%s: %d bars, want %d", what, len(got), len(want))
	}
	for i := range got {
		if !reflect.DeepEqual(got[i], want[i]) {
			f.t.Fatalf("%s: bar %d is %+v, want %+v", what, i, got[i], want[i])
		}
	}
}

func resultOf(t *testing.T, s Summary, sym string) store.RunResult {
	t.Helper()
	for _, r := range s.Results {
		if r.Key.Symbol == sym {
			return r
		}
	}
	t.Fatalf("no result for %s in %+v", sym, s.Results)
	return store.RunResult{}
}

func nyAt(d market.Date, h, m int) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), h, m, 0, 0, newYork).UTC()
}

func TestArchiveMinutes(t *testing.T) {
	f := newMinuteFixture(t)
	ctx := context.Background()
	s, err := f.collector().ArchiveMinutes(ctx, ArchiveRequest{})
	if err != nil {
		t.Fatal(err)
	}
	// 1m: a week back (the reach, less the margin): Monday 10-05 to
	// Friday 10-09; 10-02 opened more than 7 days - 1h before now.
	f.equalBars("AAPL 1m", f.stored("AAPL", market.Interval1m), truthOf("AAPL", market.Interval1m, d("2026-10-05"), d("2026-10-09"), false))
	// 5m: two weeks back: 09-28 (opened 13:30 UTC, after 09-25 22:00 UTC) on.
	f.equalBars("MSFT 5m", f.stored("MSFT", market.Interval5m), truthOf("MSFT", market.Interval5m, d("2026-09-28"), d("2026-10-09"), false))
	if got := f.stored("IBM", market.Interval1m); len(got) != 0 {
		t.Errorf("IBM has no intraday interval, but %d minutes were stored", len(got))
	}
	if s.Job != JobIntraday || s.OK != 2 || s.Failed != 2 || s.Status != store.RunPartial || s.Inserted != 5*390+10*78 {
		t.Errorf("run %+v: want intraday, 2 ok, 2 failed, partial, %d inserted", s.Run, 5*390+10*78)
	}
	if r := resultOf(t, s, "BAD"); r.Status != statusFailed || r.Error != `yahoo: BAD: HTTP 404: "Not Found"` {
		t.Errorf("BAD: %+v", r)
	}
	if r := resultOf(t, s, "005930"); r.Status != statusFailed || r.Error != `source "naver" serves no minute bars` {
		t.Errorf("005930: %+v", r)
	}
	if r := resultOf(t, s, "AAPL"); r.Status != statusOK || r.From != d("2026-10-05") || r.To != d("2026-10-09") || r.Rows != 5*390 || r.Error != "" {
		t.Errorf("AAPL: %+v", r)
	}
	calls := f.src.calls()
	slices.SortFunc(calls, func(a, b minuteCall) int { return strings.Compare(a.symbol, b.symbol) })
	want := []minuteCall{
		{"AAPL", market.MinuteRequest{Interval: market.Interval1m, From: nyAt(d("2026-10-05"), 9, 30), To: nyAt(d("2026-10-09"), 16, 0)}},
		{"BAD", market.MinuteRequest{Interval: market.Interval1m, From: nyAt(d("2026-10-05"), 9, 30), To: nyAt(d("2026-10-09"), 16, 0)}},
		{"MSFT", market.MinuteRequest{Interval: market.Interval5m, From: nyAt(d("2026-09-28"), 9, 30), To: nyAt(d("2026-10-09"), 16, 0)}},
	}
	if !reflect.DeepEqual(calls, want) {
		t.Errorf("requests\n got %+v\nwant %+v", calls, want)
	}
	stored, _, _ := f.st.RunByID(ctx, s.ID)
	if stored.Job != JobIntraday || stored.Inserted != s.Inserted || len(stored.Results) != 4 {
		t.Errorf("run record %+v", stored)
	}

	// Again the same evening: nothing due, no request.
	s, err = f.collector().ArchiveMinutes(ctx, ArchiveRequest{Filter: Filter{Symbols: []string{"AAPL", "MSFT"}}})
	if err != nil {
		t.Fatal(err)
	}
	if s.UpToDate != 2 || s.OK != 0 || s.Status != store.RunOK || len(f.src.calls()) != 0 ||
		s.Message != "nothing due: 2 instruments already at their market's last closed session" {
		t.Errorf("second run: %+v", s.Run)
	}

	// Monday after the close: Monday alone.
	f.now = time.Date(2026, 10, 12, 20, 30, 0, 0, time.UTC)
	s, err = f.collector().ArchiveMinutes(ctx, ArchiveRequest{Filter: Filter{Symbols: []string{"AAPL"}}})
	if err != nil {
		t.Fatal(err)
	}
	want = []minuteCall{{"AAPL", market.MinuteRequest{Interval: market.Interval1m, From: nyAt(d("2026-10-12"), 9, 30), To: nyAt(d("2026-10-12"), 16, 0)}}}
	if calls := f.src.calls(); !reflect.DeepEqual(calls, want) || s.Inserted != 390 || s.Unchanged != 0 {
		t.Errorf("Monday: requests %+v, run %+v", calls, s.Run)
	}

	// Two weeks later: the week past the reach is named once, the rest
	// stored; the next run has nothing due and says nothing more.
	f.now = time.Date(2026, 10, 23, 21, 0, 0, 0, time.UTC)
	s, err = f.collector().ArchiveMinutes(ctx, ArchiveRequest{Filter: Filter{Symbols: []string{"AAPL"}}})
	if err != nil {
		t.Fatal(err)
	}
	r := resultOf(t, s, "AAPL")
	if r.Status != statusOK || r.From != d("2026-10-19") || r.Error != "4 sessions 2026-10-13..2026-10-16 past yahoo's 1m reach (7 days): not fetched" {
		t.Errorf("after two weeks: %+v", r)
	}
	f.equalBars("AAPL 1m after two weeks", f.stored("AAPL", market.Interval1m), slices.Concat(
		truthOf("AAPL", market.Interval1m, d("2026-10-05"), d("2026-10-12"), false),
		truthOf("AAPL", market.Interval1m, d("2026-10-19"), d("2026-10-23"), false)))
	s, err = f.collector().ArchiveMinutes(ctx, ArchiveRequest{Filter: Filter{Symbols: []string{"AAPL"}}})
	if err != nil || s.UpToDate != 1 || len(s.Results) != 0 {
		t.Errorf("run after: %+v, %v", s.Run, err)
	}
}

// TestArchiveMinutesRestate: Restate fetches the latest sessions again,
// stored or not, and fills what a live poll left out.
func TestArchiveMinutesRestate(t *testing.T) {
	f := newMinuteFixture(t)
	ctx := context.Background()
	aapl := market.Key{Source: market.SourceYahoo, Symbol: "AAPL"}
	live := []market.MinuteBar{{Start: nyAt(d("2026-10-09"), 15, 59), Close: market.DecimalFromInt(7)}}
	if _, err := f.st.WriteMinutes(ctx, []store.MinuteWrite{{Key: aapl, Interval: market.Interval1m, Bars: live}}); err != nil {
		t.Fatal(err)
	}
	s, err := f.collector().ArchiveMinutes(ctx, ArchiveRequest{Filter: Filter{Symbols: []string{"AAPL"}}})
	if err != nil || s.UpToDate != 1 {
		t.Fatalf("without Restate the live session counts as stored: %+v, %v", s.Run, err)
	}
	s, err = f.collector().ArchiveMinutes(ctx, ArchiveRequest{Filter: Filter{Symbols: []string{"AAPL"}}, Restate: 1})
	if err != nil {
		t.Fatal(err)
	}
	if s.Inserted != 389 || s.Changed != 1 || s.OK != 1 {
		t.Errorf("restated: %+v", s.Run)
	}
	f.equalBars("AAPL", f.stored("AAPL", market.Interval1m), truthOf("AAPL", market.Interval1m, d("2026-10-09"), d("2026-10-09"), false))
}

// cancelAtWrite cancels the run when the n-th minute write begins; that
// write still commits.
type cancelAtWrite struct {
	Store
	n      int
	cancel context.CancelFunc
}

func (c *cancelAtWrite) WriteMinutes(ctx context.Context, batch []store.MinuteWrite) (store.WriteResult, error) {
	if c.n--; c.n == 0 {
		c.cancel()
	}
	return c.Store.WriteMinutes(ctx, batch)
}

// TestArchiveMinutesResume: interrupted in its second session's write,
// the run keeps the two sessions it committed, is recorded interrupted,
// and the next run fetches from the third session on.
func TestArchiveMinutesResume(t *testing.T) {
	f := newMinuteFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	f.store = &cancelAtWrite{Store: f.st, n: 2, cancel: cancel}
	s, err := f.collector().ArchiveMinutes(ctx, ArchiveRequest{Filter: Filter{Symbols: []string{"AAPL"}}})
	if !errors.Is(err, ErrInterrupted) || s.Status != store.RunInterrupted {
		t.Fatalf("interrupted run: %+v, %v", s.Run, err)
	}
	f.equalBars("committed", f.stored("AAPL", market.Interval1m), truthOf("AAPL", market.Interval1m, d("2026-10-05"), d("2026-10-06"), false))
	f.src.calls()
	f.store = f.st
	s, err = f.collector().ArchiveMinutes(context.Background(), ArchiveRequest{Filter: Filter{Symbols: []string{"AAPL"}}})
	if err != nil || s.Inserted != 3*390 || s.Unchanged != 0 {
		t.Fatalf("resumed: %+v, %v", s.Run, err)
	}
	want := []minuteCall{{"AAPL", market.MinuteRequest{Interval: market.Interval1m, From: nyAt(d("2026-10-07"), 9, 30), To: nyAt(d("2026-10-09"), 16, 0)}}}
	if calls := f.src.calls(); !reflect.DeepEqual(calls, want) {
		t.Errorf("resumed requests %+v, want %+v", calls, want)
	}
	f.equalBars("all", f.stored("AAPL", market.Interval1m), truthOf("AAPL", market.Interval1m, d("2026-10-05"), d("2026-10-09"), false))
}

func TestBackfillMinutes(t *testing.T) {
	f := newMinuteFixture(t)
	ctx := context.Background()
	req := MinuteBackfillRequest{Filter: Filter{Symbols: []string{"IBM"}}, Interval: market.Interval1m, From: d("2026-09-28"), PrePost: true}

	_, plan, err := f.collector().BackfillMinutes(ctx, MinuteBackfillRequest{Filter: req.Filter, Interval: market.Interval1m, From: req.From, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if plan.String() != "yahoo:IBM: [2026-10-05..2026-10-09] (5 sessions 2026-09-28..2026-10-02 past yahoo's 1m reach (7 days): not fetched)\nyahoo: 1 request\n1 instrument, 0 already covered\n" || len(f.src.calls()) != 0 {
		t.Errorf("dry run plan:\n%s", plan)
	}

	s, _, err := f.collector().BackfillMinutes(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	r := resultOf(t, s, "IBM")
	if s.Job != JobBackfill || r.Status != statusOK || r.Error != "5 sessions 2026-09-28..2026-10-02 past yahoo's 1m reach (7 days): not fetched" || r.Rows != 5*960 {
		t.Errorf("backfill: %+v, %+v", s.Run, r)
	}
	if want := fmt.Sprintf("backfill ok: 1 ok, 0 failed, 0 skipped (1 with sessions past the source's reach, not fetched: marketd status --run %d names them); rows 4800 inserted", s.ID); !strings.HasPrefix(s.String(), want) {
		t.Errorf("summary %q, want it to start %q", s, want)
	}
	want := []minuteCall{{"IBM", market.MinuteRequest{Interval: market.Interval1m, From: d("2026-10-05").In(newYork).UTC(), To: d("2026-10-10").In(newYork).UTC(), PrePost: true}}}
	if calls := f.src.calls(); !reflect.DeepEqual(calls, want) {
		t.Errorf("requests %+v, want %+v", calls, want)
	}
	f.equalBars("IBM pre and post", f.stored("IBM", market.Interval1m), truthOf("IBM", market.Interval1m, d("2026-10-05"), d("2026-10-09"), true))

	// Again: stored, skipped without a request; forced, fetched again.
	s, _, err = f.collector().BackfillMinutes(ctx, req)
	if r := resultOf(t, s, "IBM"); err != nil || r.Status != statusSkipped || r.Error != "already stored 2026-10-05..2026-10-09 (force refetches)" || len(f.src.calls()) != 0 {
		t.Errorf("rerun: %+v, %v", r, err)
	}
	req.Force = true
	s, _, err = f.collector().BackfillMinutes(ctx, req)
	if err != nil || s.Unchanged != 5*960 || s.Inserted != 0 || len(f.src.calls()) != 1 {
		t.Errorf("forced: %+v, %v", s.Run, err)
	}
}

// TestBackfillMinutesResume: a backfill starts at the first session with
// no bar stored, and one the source serves no bars of fails alone.
func TestBackfillMinutesResume(t *testing.T) {
	f := newMinuteFixture(t)
	ctx := context.Background()
	ibm := market.Key{Source: market.SourceYahoo, Symbol: "IBM"}
	bars := truthOf("IBM", market.Interval5m, d("2026-10-05"), d("2026-10-06"), false)
	if _, err := f.st.WriteMinutes(ctx, []store.MinuteWrite{{Key: ibm, Interval: market.Interval5m, Bars: bars}}); err != nil {
		t.Fatal(err)
	}
	// Through Backfill, as backfill --interval asks.
	s, _, err := f.collector().Backfill(ctx, BackfillRequest{Filter: Filter{Symbols: []string{"IBM", "MSFT"}}, Interval: market.Interval5m, From: d("2026-10-05")})
	if err != nil {
		t.Fatal(err)
	}
	want := []minuteCall{
		{"IBM", market.MinuteRequest{Interval: market.Interval5m, From: nyAt(d("2026-10-07"), 9, 30), To: nyAt(d("2026-10-09"), 16, 0)}},
		{"MSFT", market.MinuteRequest{Interval: market.Interval5m, From: nyAt(d("2026-10-05"), 9, 30), To: nyAt(d("2026-10-09"), 16, 0)}},
	}
	calls := f.src.calls()
	slices.SortFunc(calls, func(a, b minuteCall) int { return strings.Compare(a.symbol, b.symbol) })
	if !reflect.DeepEqual(calls, want) || s.Inserted != 3*78+5*78 {
		t.Errorf("requests %+v (want %+v), run %+v", calls, want, s.Run)
	}
	f.equalBars("IBM", f.stored("IBM", market.Interval5m), truthOf("IBM", market.Interval5m, d("2026-10-05"), d("2026-10-09"), false))

	s, _, err = f.collector().BackfillMinutes(ctx, MinuteBackfillRequest{Filter: Filter{Symbols: []string{"IBM"}}, Interval: market.Interval60m})
	if r := resultOf(t, s, "IBM"); err != nil || r.Status != statusFailed || r.Error != "yahoo serves no 60m bars" || s.ExitCode() != 1 {
		t.Errorf("60m: %+v, %v", r, err)
	}
	if _, _, err := f.collector().BackfillMinutes(ctx, MinuteBackfillRequest{Interval: market.Interval1d}); err == nil || !strings.Contains(err.Error(), "interval 1d is not intraday") {
		t.Errorf("1d: %v", err)
	}
	gaps := func(context.Context, market.Instrument, market.Date, market.Date) ([][2]market.Date, error) {
		return nil, nil
	}
	if _, _, err := f.collector().Backfill(ctx, BackfillRequest{Interval: market.Interval1m, Gaps: gaps}); err == nil || !strings.Contains(err.Error(), "no gap finder") {
		t.Errorf("minutes with a gap finder: %v", err)
	}
	if _, _, err := f.collector().Backfill(ctx, BackfillRequest{Interval: market.Interval1m, Shared: true}); err == nil || !strings.Contains(err.Error(), "not shared") {
		t.Errorf("minutes shared: %v", err)
	}
}
