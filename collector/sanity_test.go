package collector

import (
	"context"
	"testing"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

// Impossible rows in an answer (a negative price, a zero close) are skipped
// alone: the store's CHECK used to refuse the whole batch, and with it
// every valid row of the answer.
func TestBadRowsSkippedAlone(t *testing.T) {
	f := newFixture(t, "AAPL")
	neg, zero := d("2026-02-10"), d("2026-02-20")
	f.tr.mu.Lock()
	f.tr.closes["AAPL"][neg] = -market.DecimalFromInt(5)
	f.tr.closes["AAPL"][zero] = 0
	f.tr.mu.Unlock()
	c, _ := f.collector()
	s, err := c.Collect(context.Background(), CollectRequest{})
	if err != nil {
		t.Fatal(err)
	}
	to, first := d("2026-03-06"), d("2026-02-04")
	want := f.want("AAPL", first, to)
	delete(want, neg)
	delete(want, zero)
	if s.OK != 1 || s.Failed != 0 || s.Inserted != len(want) || s.Status != store.RunOK {
		t.Fatalf("run: %+v, want 1 ok, %d inserted", s.Run, len(want))
	}
	if got := diff(f.stored("AAPL", 0, to), want); got != "" {
		t.Fatalf("stored: %s", got)
	}
}
