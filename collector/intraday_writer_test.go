package collector

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

// countingStore records how many writes each WriteMinutes carried.
type countingStore struct {
	Store
	mu    sync.Mutex
	calls []int
}

func (c *countingStore) WriteMinutes(ctx context.Context, batch []store.MinuteWrite) (store.WriteResult, error) {
	c.mu.Lock()
	c.calls = append(c.calls, len(batch))
	c.mu.Unlock()
	return c.Store.WriteMinutes(ctx, batch)
}

func session(sym string, day int) store.MinuteWrite {
	var bars []market.MinuteBar
	for _, s := range xnys.BarStarts(market.NewDate(2026, 10, day), market.Interval1m) {
		bars = append(bars, minuteTruth(sym, s))
	}
	return store.MinuteWrite{Key: market.Key{Source: market.SourceYahoo, Symbol: sym}, Interval: market.Interval1m, Bars: bars}
}

// TestMinuteWriter: the writes waiting when a transaction starts share
// it, up to its size, its counts going to the first; a shared transaction
// that fails is retried write by write, so only the bad write fails.
func TestMinuteWriter(t *testing.T) {
	db := newStore(t)
	st := &countingStore{Store: db}
	bad := session("MSFT", 5)
	bad.Bars = append(bad.Bars, bad.Bars[0]) // a start twice: the store refuses the write
	writes := []store.MinuteWrite{session("AAPL", 5), session("IBM", 5), bad, session("NEW", 5), session("AAPL", 6), session("IBM", 6)}
	// All six are waiting before the writer starts; at most 3 sessions a
	// transaction.
	w := &minuteWriter{ctx: context.Background(), st: st, maxRows: 3 * 390, reqs: make(chan minuteWriteReq, len(writes)), done: make(chan struct{})}
	replies := make([]chan minuteWriteReply, len(writes))
	for i, mw := range writes {
		replies[i] = make(chan minuteWriteReply, 1)
		w.reqs <- minuteWriteReq{mw, replies[i]}
	}
	close(w.reqs)
	w.loop() // one loop: the transactions' order is the test's

	if len(st.calls) != 5 || st.calls[0] != 3 || st.calls[1] != 1 || st.calls[2] != 1 || st.calls[3] != 1 || st.calls[4] != 3 {
		t.Errorf("transactions %v, want 3 (failed), 1, 1, 1, then 3", st.calls)
	}
	var got []minuteWriteReply
	for _, r := range replies {
		got = append(got, <-r)
	}
	for i, r := range got {
		if (r.err != nil) != (i == 2) {
			t.Errorf("write %d: %v", i, r.err)
		}
	}
	if !strings.Contains(got[2].err.Error(), "two bars starting") {
		t.Errorf("bad write: %v", got[2].err)
	}
	want := []int{390, 390, 0, 3 * 390, 0, 0} // the first of each transaction counts it
	for i, r := range got {
		if r.res.Inserted != want[i] {
			t.Errorf("write %d counted %+v, want %d inserted", i, r.res, want[i])
		}
	}
	for _, sym := range []string{"AAPL", "IBM", "NEW"} {
		stored, err := db.MinuteBars(context.Background(), market.Key{Source: market.SourceYahoo, Symbol: sym}, market.Interval1m, time.Time{}, time.Time{})
		if n := map[string]int{"AAPL": 780, "IBM": 780, "NEW": 390}[sym]; err != nil || len(stored) != n {
			t.Errorf("%s: %d bars stored, want %d (%v)", sym, len(stored), n, err)
		}
	}
}
