package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

// testLatestBars asks for many instruments of one source (read as a
// range of it), some without bars, and a few of another (looked up one by
// one); instruments not asked for are not returned.
func testLatestBars(t *testing.T, s *store.Store) {
	ctx := context.Background()
	const n = 1500
	start := date(t, "2024-01-01")
	var batch []store.Write
	want := map[market.Key]market.Bar{}
	var keys []market.Key
	for i := range n {
		k := market.Key{Source: market.SourceNaver, Symbol: fmt.Sprintf("%06d", i)}
		keys = append(keys, k)
		if i%7 == 0 {
			continue // no bars at all: absent from the answer
		}
		var bars []market.Bar
		for d := range 1 + i%5 {
			bars = append(bars, bar(t, start.AddDays(d+i%3).String(), "1", "2", "1", fmt.Sprint(d+1), "1", int64(i)))
		}
		batch = append(batch, store.Write{Key: k, Bars: bars})
		want[k] = bars[len(bars)-1]
	}
	unasked := []store.Write{{Key: market.Key{Source: market.SourceNaver, Symbol: "999999"}}, {Key: market.Key{Source: market.SourceYahoo, Symbol: "ZZZ"}}}
	for _, w := range unasked {
		w.Bars = threeBars(t)
		batch = append(batch, w)
	}
	write(t, s, batch...)
	aaa := market.Key{Source: market.SourceYahoo, Symbol: "AAA"}
	write(t, s, store.Write{Key: aaa, Bars: threeBars(t)})
	want[aaa] = threeBars(t)[2]
	keys = append(keys, market.Key{Source: market.SourceYahoo, Symbol: "000001"}, aaa, aaa)
	got, err := s.LatestBars(ctx, keys)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Errorf("LatestBars returned %d bars, want %d", len(got), len(want))
	}
	for k, w := range want {
		if !reflect.DeepEqual(got[k], w) {
			t.Errorf("latest %s = %+v, want %+v", k, got[k], w)
		}
	}
}

// testLatestBarsFollowWrites writes, at random, new bars after and before
// the latest, restatements of the latest bar and of older ones, rewrites
// of the latest bar as it is (final or not), finality, large writes
// (MySQL's LOAD DATA path) and writes the database refuses, and after each
// checks that latest_bars holds exactly the bar dated MAX(trade_date) of
// every instrument, as Bars reads it.
func testLatestBarsFollowWrites(t *testing.T, s *store.Store) {
	ctx := context.Background()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 17))
	keys := []market.Key{aapl, samsung, {Source: market.SourceYahoo, Symbol: "MSFT"}, {Source: market.SourceNaver, Symbol: "0193T0"}}
	base := date(t, "2020-01-01")
	randomBar := func(d market.Date) market.Bar {
		c := market.Decimal(1_000_000 + rng.Int64N(1_000_000))
		b := market.Bar{Date: d, Open: market.Some(c), High: market.Some(c + 1), Low: market.Some(c - 1), Close: c,
			Volume: market.Some(rng.Int64N(1000))}
		if rng.IntN(4) == 0 {
			b.AdjClose = market.Some(c - 7)
		}
		b.Final = rng.IntN(5) == 0
		return b
	}
	latest := map[market.Key]market.Bar{}
	for step := range 40 {
		var batch []store.Write
		for _, k := range keys {
			w := store.Write{Key: k}
			l, ok := latest[k]
			switch r := rng.IntN(7); {
			case r == 0:
				continue // not in this write
			case r == 1 && ok: // the latest bar restated
				w.Bars = []market.Bar{randomBar(l.Date)}
			case r == 2 && ok: // the latest bar again as stored, perhaps made final
				l.Final = false
				w.Bars = []market.Bar{l}
				if rng.IntN(2) == 0 {
					w.FinalBefore = l.Date.AddDays(1)
				}
			case r == 3 && ok: // an older bar, making everything through the latest final
				w.Bars = []market.Bar{randomBar(l.Date.AddDays(-1 - rng.IntN(30)))}
				w.FinalBefore = l.Date.AddDays(1)
			default: // anywhere in 20 years: after the latest, before it, on it
				n := 1 + rng.IntN(5)
				if rng.IntN(10) == 0 {
					n = 1000 // a backfill's worth
				}
				first := base.AddDays(rng.IntN(7300))
				for d := range n {
					w.Bars = append(w.Bars, randomBar(first.AddDays(d)))
				}
				if rng.IntN(4) == 0 {
					w.FinalBefore = first.AddDays(rng.IntN(n + 1))
				}
			}
			batch = append(batch, w)
		}
		refused := len(batch) > 0 && rng.IntN(8) == 0
		if refused {
			w := &batch[rng.IntN(len(batch))]
			w.Bars[len(w.Bars)-1].Close = -1 // the CHECK constraint refuses it
		}
		_, err := s.Write(ctx, batch)
		if refused != (err != nil) {
			t.Fatalf("step %d: Write = %v, refused %v", step, err, refused)
		}
		latest = checkLatest(t, s, keys, fmt.Sprintf("step %d", step))
	}
}

// checkLatest compares latest_bars with MAX(trade_date) of bars, and
// LatestBars with the bar of that date as Bars reads it, for keys, and
// returns the latest bars.
func checkLatest(t *testing.T, s *store.Store, keys []market.Key, what string) map[market.Key]market.Bar {
	t.Helper()
	ctx := context.Background()
	dates := func(query string) map[market.Key]market.Date {
		t.Helper()
		rows, err := s.DB().QueryContext(ctx, query)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[market.Key]market.Date{}
		for rows.Next() {
			var k market.Key
			var d string
			if err := rows.Scan(&k.Source, &k.Symbol, &d); err != nil {
				t.Fatal(err)
			}
			out[k] = date(t, d[:10])
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	want := dates(`SELECT source, symbol, MAX(trade_date) FROM bars GROUP BY source, symbol`)
	equal(t, what+": latest_bars", dates(`SELECT source, symbol, trade_date FROM latest_bars`), want)
	got, err := s.LatestBars(ctx, keys)
	if err != nil {
		t.Fatalf("%s: LatestBars: %v", what, err)
	}
	wantBars := map[market.Key]market.Bar{}
	for _, k := range keys {
		if d, ok := want[k]; ok {
			bars, err := s.Bars(ctx, k, d, d)
			if err != nil || len(bars) != 1 {
				t.Fatalf("%s: Bars(%s, %s) = %v, %v", what, k, d, bars, err)
			}
			wantBars[k] = bars[0]
		}
	}
	equal(t, what+": LatestBars", got, wantBars)
	return got
}

// testLatestBarsBackfilled migrates a store holding bars from before
// latest_bars existed: the migration fills it from them.
func testLatestBarsBackfilled(t *testing.T, s *store.Store) {
	ctx := context.Background()
	bars := threeBars(t)
	write(t, s, store.Write{Key: aapl, Bars: bars}, store.Write{Key: samsung, Bars: bars[:1]})
	MigrateDownTo(t, s, LatestBarsMigration-1)
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	checkLatest(t, s, []market.Key{aapl, samsung}, "after the migration")
	got, err := s.LatestBars(ctx, []market.Key{aapl, samsung})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "latest after the migration", got, map[market.Key]market.Bar{aapl: bars[2], samsung: bars[0]})
}
