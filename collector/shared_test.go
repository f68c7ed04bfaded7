package collector

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/marketd/marketd/sources/httpx"
	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/market/calendar"
	"github.com/marketd/marketd/sources/naver"
	"github.com/marketd/marketd/sources/sourcetest"
	"github.com/marketd/marketd/sources/yahoo"
	"github.com/marketd/marketd/store"
	"github.com/marketd/marketd/store/mysql"
	"github.com/marketd/marketd/store/storetest"
)

// sharedWorld is a simulated market, a MariaDB store and its instruments:
// what several hosts of one collection share.
type sharedWorld struct {
	m     *sourcetest.Market
	url   string
	dbURL string
	st    *store.Store
	insts []market.Instrument
	clock func() time.Time
}

// newSharedWorld serves nUS US tickers and nKR KOSPI codes from the
// simulated market and registers them in a fresh MariaDB database.
func newSharedWorld(t *testing.T, nUS, nKR int) *sharedWorld {
	t.Helper()
	now := time.Date(2026, 3, 6, 12, 0, 0, 0, time.UTC) // Fri 21:00 KST (settled), 07:00 New York
	w := &sharedWorld{clock: func() time.Time { return now }}
	var syms []sourcetest.Symbol
	for i := range nUS {
		sym := fmt.Sprintf("US%03d", i)
		syms = append(syms, sourcetest.Symbol{Symbol: sym})
		w.insts = append(w.insts, market.Instrument{Key: market.Key{Source: market.SourceYahoo, Symbol: sym}, Market: market.XNYS, Active: true})
	}
	for i := range nKR {
		sym := fmt.Sprintf("%06d", 100+i)
		syms = append(syms, sourcetest.Symbol{Symbol: sym})
		w.insts = append(w.insts, market.Instrument{Key: market.Key{Source: market.SourceNaver, Symbol: sym}, Market: market.XKRX, Board: "KOSPI", Active: true})
	}
	w.m = sourcetest.New(sourcetest.Options{Now: w.clock, Symbols: syms})
	url, stop := w.m.Start()
	t.Cleanup(stop)
	w.url = url
	ctx := context.Background()
	w.dbURL = storetest.FreshMySQLURL(t)
	st, err := mysql.Open(ctx, mysql.Config{URL: w.dbURL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.SharedWork(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddInstruments(ctx, w.insts); err != nil {
		t.Fatal(err)
	}
	w.st = st
	return w
}

// host returns the collector of one host: its own transports (its own
// budget: limit requests a second per site host) over the shared store.
func (w *sharedWorld) host(t *testing.T, name string, cfg Config, limit rate.Limit) *Collector {
	t.Helper()
	hx := httpx.Config{Rate: limit, MinBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond}
	ypool, npool := httpx.NewPool(hx, nil), httpx.NewPool(hx, nil)
	cfg.Host = name
	cfg.InitialHistory = func(to market.Date) market.Date { return to.AddDays(-60) }
	c, err := New(cfg, Deps{
		Sources: map[string]Source{
			market.SourceYahoo: yahoo.New(yahoo.Config{BaseURL: w.url, Now: w.clock}, ypool.Client()),
			market.SourceNaver: naver.New(naver.Config{FChartURL: w.url, APIURL: w.url, PollingURL: w.url, MobileURL: w.url, Now: w.clock}, npool.Client()),
		},
		Store:     w.st,
		Units:     w.st,
		Calendars: func(_ context.Context, code string) (Calendar, error) { return calendar.For(code) },
		Log:       discard,
		Now:       w.clock,
		Stats: func() map[string]httpx.Stats {
			return map[string]httpx.Stats{market.SourceYahoo: ypool.Total(), market.SourceNaver: npool.Total()}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// checkTruth fails unless every instrument holds exactly the market's bars
// of the last 60 days and a watermark at the last closed session.
func (w *sharedWorld) checkTruth(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	for _, in := range w.insts {
		cal, _ := calendar.For(in.Market)
		to := cal.LastClosed(w.clock())
		from := to.AddDays(-60)
		got, err := w.st.Bars(ctx, in.Key, from, to)
		if err != nil {
			t.Fatal(err)
		}
		want := w.m.Bars(in.Source, in.Symbol, from, to)
		if len(want) == 0 || len(got) != len(want) {
			t.Errorf("%s: %d bars stored, truth has %d", in.Key, len(got), len(want))
			continue
		}
		for i := range want {
			g, tr := got[i], want[i]
			g.Final, tr.Final = false, false
			if g != tr {
				t.Errorf("%s: stored %+v, truth %+v", in.Key, g, tr)
				break
			}
		}
		if wm, _ := w.st.Watermarks(ctx, in.Source); wm[in.Key] != to {
			t.Errorf("%s: watermark %s, want %s", in.Key, wm[in.Key], to)
		}
	}
}

// joinUntil has c join every open run until stop is closed, as a daemon's
// poll does.
func joinUntil(ctx context.Context, c *Collector, st *store.Store, stop <-chan struct{}) {
	for {
		ids, _ := st.OpenUnitRuns(ctx)
		for _, id := range ids {
			_, _ = c.Work(ctx, id)
		}
		select {
		case <-stop:
			return
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// completions records what each unit's completion carried.
type completions struct {
	UnitStore
	mu   sync.Mutex
	last map[int][]market.Key // unit number -> the keys written with its completion
}

func (c *completions) WriteUnit(ctx context.Context, batch []store.Write, done store.UnitCompletion) (store.WriteResult, error) {
	res, err := c.UnitStore.WriteUnit(ctx, batch, done)
	if err == nil {
		c.mu.Lock()
		for _, w := range batch {
			c.last[done.Number] = append(c.last[done.Number], w.Key)
		}
		c.mu.Unlock()
	}
	return res, err
}

// newFailover is the world of the failover tests: 20 US tickers whose
// fetches are counted, units of 4 and one worker a host, so that a host's
// second fetch is its unit's second instrument, and the owner h1, whose 20
// requests a second leave the other host time to join, under a lease no
// delay on a loaded machine runs out. cfg is the other host's: a short
// lease, soon taken over.
func newFailover(t *testing.T) (*sharedWorld, *fetchCounts, Config, *Collector) {
	t.Helper()
	w := newSharedWorld(t, 20, 0)
	counts := &fetchCounts{n: map[market.Key]int{}}
	cfg := Config{UnitSize: 4, Lease: 30 * time.Second, UnitPoll: 20 * time.Millisecond,
		Sources: map[string]SourceConfig{market.SourceYahoo: {Workers: 1}}}
	owner := counted(w.host(t, "h1", cfg, 20), counts, nil)
	cfg.Lease = time.Second
	return w, counts, cfg, owner
}

// counted has c's Yahoo fetches counted in counts, each first passed to
// die when die is set (countingSource).
func counted(c *Collector, counts *fetchCounts, die func(n int) error) *Collector {
	c.deps.Sources[market.SourceYahoo] = &countingSource{Source: c.deps.Sources[market.SourceYahoo], counts: counts, die: die}
	return c
}

// takenOver fails unless every unit is done by host and exactly one was
// claimed twice (taken over from a lost host); it returns that one.
func takenOver(t *testing.T, units []store.Unit, host string) store.Unit {
	t.Helper()
	var taken *store.Unit
	for i, u := range units {
		if u.State != store.UnitDone || u.Host != host || u.Claims > 2 {
			t.Errorf("unit %+v, want done by %s", u, host)
		}
		if u.Claims == 2 {
			if taken != nil {
				t.Errorf("units %d and %d both claimed twice", taken.Number, u.Number)
			}
			taken = &units[i]
		}
	}
	if taken == nil {
		t.Fatalf("no unit was taken over: %+v", units)
	}
	return *taken
}

// checkFetches fails unless every instrument was fetched once, but again,
// which was fetched twice.
func (w *sharedWorld) checkFetches(t *testing.T, counts *fetchCounts, again string) {
	t.Helper()
	for _, in := range w.insts {
		want := 1
		if in.Symbol == again {
			want = 2
		}
		if got := counts.n[in.Key]; got != want {
			t.Errorf("%s fetched %d times, want %d", in.Key, got, want)
		}
	}
}

// sumUnits adds up the units' counts.
func sumUnits(units []store.Unit) store.UnitCounts {
	var s store.UnitCounts
	for _, u := range units {
		s = s.Add(u.UnitCounts)
	}
	return s
}

// Three hosts share one collection: the owner splits it into units, the
// others join; every unit is done once, every bar lands, and the run's
// totals are the sums of its units.
func TestSharedCollect(t *testing.T) {
	w := newSharedWorld(t, 24, 12)
	ctx := context.Background()
	// Leases long enough that no unit changes hands on a loaded machine.
	cfg := Config{UnitSize: 4, Lease: 30 * time.Second, UnitPoll: 20 * time.Millisecond}
	owner := w.host(t, "h1", cfg, rate.Inf)
	rec := &completions{UnitStore: w.st, last: map[int][]market.Key{}}
	owner.deps.Units = rec
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, name := range []string{"h2", "h3"} {
		c := w.host(t, name, cfg, rate.Inf)
		c.deps.Units = rec
		wg.Go(func() { joinUntil(ctx, c, w.st, stop) })
	}
	s, err := owner.Collect(ctx, CollectRequest{Shared: true})
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	units, err := w.st.Units(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(units) != 9 { // 24 yahoo in 6 units of 4, 12 naver in 3
		t.Fatalf("%d units, want 9", len(units))
	}
	for _, u := range units {
		if u.State != store.UnitDone || u.Claims != 1 || !slices.Contains([]string{"h1", "h2", "h3"}, u.Host) || len(u.Symbols) != 4 {
			t.Errorf("unit %+v, want done once by one of the hosts", u)
		}
		// The unit's last instrument's bars and watermark went in the
		// completion's transaction.
		if want := []market.Key{{Source: u.Source, Symbol: u.Symbols[3]}}; !slices.Equal(rec.last[u.Number], want) {
			t.Errorf("unit %d completed with the writes of %v, want %v", u.Number, rec.last[u.Number], want)
		}
	}
	sum := sumUnits(units)
	if s.OK != 36 || s.Failed != 0 || s.Skipped != 0 || s.Status != store.RunOK {
		t.Errorf("summary %s, want 36 ok", s)
	}
	if got := (store.UnitCounts{OK: s.OK, Failed: s.Failed, Skipped: s.Skipped, Inserted: s.Inserted, Changed: s.Changed,
		Unchanged: s.Unchanged, Requests: s.Requests, Throttled: s.Throttled, Retries: s.Retries}); got != sum || sum.Inserted == 0 || sum.Requests < 36 {
		t.Errorf("run counts %+v, units sum to %+v", got, sum)
	}
	run, _, err := w.st.RunByID(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Results) != 36 || run.OK != 36 || run.Inserted != sum.Inserted {
		t.Errorf("run record: %d results, %d ok, %d inserted; want 36, 36, %d", len(run.Results), run.OK, run.Inserted, sum.Inserted)
	}
	if want := "9 work units, done by " + unitHosts(units); run.Message != want {
		t.Errorf("message %q, want %q", run.Message, want)
	}
	if st := w.m.Stats(); st.Violations != 0 || st.Requests != int64(sum.Requests) {
		t.Errorf("market saw %d requests (%d violations), units count %d", st.Requests, st.Violations, sum.Requests)
	}
	t.Logf("%s; %+v", run.Message, sum)
	w.checkTruth(t)
}

// countingSource counts fetches per instrument across hosts; die, when
// set, is called before each fetch with the host's fetch number and stops
// the fetch when it returns an error.
type countingSource struct {
	Source
	counts *fetchCounts
	mu     sync.Mutex
	n      int
	die    func(n int) error
}

type fetchCounts struct {
	mu sync.Mutex
	n  map[market.Key]int
}

func (s *countingSource) Fetch(ctx context.Context, inst market.Instrument, from, to market.Date) (market.Series, error) {
	s.counts.mu.Lock()
	s.counts.n[inst.Key]++
	s.counts.mu.Unlock()
	s.mu.Lock()
	s.n++
	n := s.n
	s.mu.Unlock()
	if s.die != nil {
		if err := s.die(n); err != nil {
			return market.Series{}, err
		}
	}
	return s.Source.Fetch(ctx, inst, from, to)
}

// A host that stops in the middle of a unit (its process gone: here its
// context ends during its second fetch) loses the unit when its lease runs
// out; the owner takes it over and redoes it from the watermarks: every
// bar lands once, the instrument the lost host finished is not fetched
// again, and no unit that was done is fetched again.
func TestSharedCollectTakesOverALostUnit(t *testing.T) {
	w, counts, cfg, owner := newFailover(t)
	ctx := context.Background()
	lostCtx, die := context.WithCancelCause(ctx)
	errGone := errors.New("host h2 gone")
	lost := counted(w.host(t, "h2", cfg, rate.Inf), counts, func(n int) error {
		if n == 2 {
			die(errGone)
			return errGone
		}
		return nil
	})

	joined := make(chan WorkTally, 1)
	go func() {
		for lostCtx.Err() == nil {
			ids, _ := w.st.OpenUnitRuns(lostCtx)
			if len(ids) > 0 {
				t, _ := lost.Work(lostCtx, ids[0])
				joined <- t
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
		joined <- WorkTally{}
	}()
	s, err := owner.Collect(ctx, CollectRequest{Shared: true})
	if err != nil {
		t.Fatal(err)
	}
	if tally := <-joined; tally != (WorkTally{Claimed: 1, Lost: 1}) {
		t.Fatalf("the lost host's part: %+v, want one unit claimed and lost", tally)
	}
	units, err := w.st.Units(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	taken := takenOver(t, units, "h1")
	// The lost host stored its unit's first instrument whole: the redo
	// finds it up to date and skips it.
	if s.OK != 19 || s.Skipped != 1 || s.Failed != 0 || s.Status != store.RunOK || s.Units != (WorkTally{Claimed: 5, Done: 5, Instruments: 20}) {
		t.Errorf("summary %s, owner's part %+v; want 19 ok, 1 skipped (finished by the lost host), 5 units", s, s.Units)
	}
	w.checkFetches(t, counts, taken.Symbols[1]) // in flight when its host went
	// The market saw the lost host's one request and the owner's 19 (its
	// units count those); the fetch the lost host died in sent none.
	if st, sum := w.m.Stats(), sumUnits(units); st.Requests != 20 || st.Violations != 0 || sum.Requests != 19 {
		t.Errorf("market saw %d requests (%d violations), units count %d; want 20, 0, 19", st.Requests, st.Violations, sum.Requests)
	}
	w.checkTruth(t)
}

// stuckRunLease is a UnitStore whose run-lease renewals never reach the
// database (a link that drops them), everything else going through.
type stuckRunLease struct{ UnitStore }

func (stuckRunLease) RenewRun(context.Context, int64, string, time.Duration) error {
	return errors.New("renewal lost on the way to the database")
}

// An owner that cannot renew its run's lease keeps working, but once the
// lease has run out another host takes the run over: that host records
// the run, once, and the owner, finishing its unit after the takeover,
// records nothing and says the run was taken (store.ErrLeaseLost, which
// the scheduler reads as "the other host records it").
func TestOwnerThatLostItsRunRecordsNothing(t *testing.T) {
	w := newSharedWorld(t, 8, 0)
	ctx := context.Background()
	counts := &fetchCounts{n: map[market.Key]int{}}
	cfg := Config{UnitSize: 4, Lease: 600 * time.Millisecond, UnitPoll: 20 * time.Millisecond,
		Sources: map[string]SourceConfig{market.SourceYahoo: {Workers: 1}}}
	taken := make(chan struct{})
	// The owner's first fetch waits until its run has been taken over.
	owner := counted(w.host(t, "h1", cfg, rate.Inf), counts, func(n int) error {
		if n == 1 {
			select {
			case <-taken:
			case <-time.After(30 * time.Second): // the checks below fail
			}
		}
		return nil
	})
	owner.deps.Units = stuckRunLease{w.st}
	thief := w.host(t, "h2", cfg, rate.Inf)
	var adopted Summary
	var adoptErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			ids, err := w.st.OrphanedRuns(ctx)
			if err == nil && len(ids) == 1 {
				var ok bool
				adopted, ok, adoptErr = thief.Adopt(ctx, ids[0])
				if ok {
					return
				}
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	go func() {
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			runs, err := w.st.Runs(ctx, JobCollect, 1)
			if err != nil || len(runs) == 0 {
				continue
			}
			if sr, ok, _ := w.st.SharedRunOf(ctx, runs[0].ID); ok && sr.Takeovers == 1 {
				close(taken)
				return
			}
		}
	}()
	s, err := owner.Collect(ctx, CollectRequest{Shared: true})
	<-done
	if !errors.Is(err, store.ErrLeaseLost) {
		t.Fatalf("the owner's collect = %s, %v; want ErrLeaseLost", s, err)
	}
	if adoptErr != nil {
		t.Fatal(adoptErr)
	}
	run, _, err := w.st.RunByID(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	units, err := w.st.Units(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := "2 work units, done by " + unitHosts(units) + "; recorded by h2, which took the run over from h1"
	if run.Status != store.RunOK || run.OK != 8 || run.Host != "h2" || run.Message != want || adopted.Message != want || adopted.ID != s.ID {
		t.Errorf("run %+v, the taker's summary %s; want ok, 8 instruments, recorded by h2: %q", run, adopted, want)
	}
	for _, u := range units {
		if u.State != store.UnitDone || u.Claims != 1 {
			t.Errorf("unit %+v, want done once", u)
		}
	}
	if sum := sumUnits(units); run.Inserted != sum.Inserted || run.Requests != sum.Requests || sum.Requests != 8 {
		t.Errorf("run %+v, units sum to %+v", run, sum)
	}
	w.checkTruth(t)
}
