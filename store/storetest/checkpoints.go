package storetest

import (
	"context"
	"database/sql"
	"testing"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

// testCheckpoints checks that a checkpoint round-trips, that a write of
// a bar at or before its date voids it (and one after does not), and
// that a write between reading and saving keeps the save from vouching
// for bars the validator did not read.
func testCheckpoints(t *testing.T, s *store.Store) {
	ctx := context.Background()
	bars := threeBars(t)
	write(t, s, store.Write{Key: aapl, Bars: bars})
	read := func(what string) []store.Checkpoint {
		t.Helper()
		cps, err := s.Checkpoints(ctx, aapl.Source, []string{"ZZZ", aapl.Symbol, aapl.Symbol})
		if err != nil {
			t.Fatalf("%s: Checkpoints: %v", what, err)
		}
		if len(cps) != 2 || cps[0].Key != aapl || cps[1].Key.Symbol != "ZZZ" {
			t.Fatalf("%s: Checkpoints returned %+v, want AAPL then ZZZ", what, cps)
		}
		return cps
	}
	save := func(what string, cps ...store.Checkpoint) {
		t.Helper()
		if err := s.SaveCheckpoints(ctx, cps); err != nil {
			t.Fatalf("%s: SaveCheckpoints: %v", what, err)
		}
	}

	cps := read("new")
	equal(t, "new AAPL", [3]any{cps[0].Through, cps[0].FirstStored, cps[0].Bars}, [3]any{market.Date(0), bars[0].Date, 0})
	equal(t, "new ZZZ", [2]any{cps[1].Through, cps[1].FirstStored}, [2]any{market.Date(0), market.Date(0)})

	prev := bars[1]
	prev.Open, prev.AdjClose = sql.Null[market.Decimal]{}, sql.Null[market.Decimal]{}
	cp := cps[0]
	cp.Through, cp.Fingerprint, cp.Bars = bars[1].Date, "f1", 2
	cp.First, cp.Last, cp.Prev = bars[0].Date, bars[1].Date, prev
	cp.RepeatFrom, cp.RepeatTo, cp.Repeats = bars[0].Date, bars[1].Date, 2
	save("first", cp)
	equal(t, "saved", read("saved")[0], cp)

	// Writing the same data, or a bar after the checkpoint, keeps it.
	write(t, s, store.Write{Key: aapl, Bars: bars})
	later := bar(t, "2024-01-05", "181.99", "182.76", "180.17", "181.18", "180.495071", 62303300)
	write(t, s, store.Write{Key: aapl, Bars: []market.Bar{later}})
	if got := read("after later bars")[0]; got.Through != bars[1].Date || got.Fingerprint != "f1" {
		t.Errorf("after a write after it: checkpoint %+v, want it kept", got)
	}

	// A restated bar on the checkpoint's date voids it.
	restated := bars[1]
	restated.Close = dec(t, "184.26")
	write(t, s, store.Write{Key: aapl, Bars: []market.Bar{restated}})
	cps = read("after a restatement")
	if cps[0].Through != 0 {
		t.Fatalf("after a restatement on its date: through %s, want voided", cps[0].Through)
	}

	// A write between reading and saving wins over the save.
	cp = cps[0]
	cp.Through, cp.Fingerprint, cp.Bars, cp.Last = later.Date, "f2", 4, later.Date
	restated.Close = dec(t, "184.27")
	write(t, s, store.Write{Key: aapl, Bars: []market.Bar{restated}})
	save("raced", cp)
	if got := read("after the race")[0]; got.Through != 0 || got.Fingerprint == "f2" {
		t.Errorf("a save after a concurrent write stored %+v, want nothing saved", got)
	}

	// Read again, the same save holds; a new instrument's first bars
	// count as a write too.
	cps = read("again")
	cp = cps[0]
	cp.Through, cp.Fingerprint, cp.Bars, cp.Last = later.Date, "f2", 4, later.Date
	zzz := cps[1]
	zzz.Through, zzz.Fingerprint = bars[0].Date, "z"
	write(t, s, store.Write{Key: market.Key{Source: aapl.Source, Symbol: "ZZZ"}, Bars: bars[:1]})
	save("again", cp, zzz)
	cps = read("saved again")
	if cps[0].Through != later.Date || cps[0].Fingerprint != "f2" {
		t.Errorf("saved again: AAPL %+v, want through %s", cps[0], later.Date)
	}
	if cps[1].Through != 0 || cps[1].FirstStored != bars[0].Date {
		t.Errorf("saved again: ZZZ %+v, want not saved (written meanwhile), first stored %s", cps[1], bars[0].Date)
	}
}
