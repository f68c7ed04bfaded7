package storetest

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

func testLatestBars(t *testing.T, s *store.Store) {
	ctx := context.Background()
	const n = 1500 // more than one query's worth of symbols
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
	write(t, s, batch...)
	keys = append(keys, market.Key{Source: market.SourceYahoo, Symbol: "000001"})
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
