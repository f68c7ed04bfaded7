package collector

import (
	"context"
	"slices"
	"testing"

	"github.com/marketd/marketd/sources/market"
)

// A board narrows its market: instruments of the other board, and those
// stored without one, are not selected.
func TestFilterBoard(t *testing.T) {
	f := newFixture(t, "AAA")
	ctx := context.Background()
	yahooKRX := func(sym, board string) market.Instrument {
		return market.Instrument{Key: market.Key{Source: market.SourceYahoo, Symbol: sym}, Market: market.XKRX, Board: board, Active: true}
	}
	if _, err := f.st.AddInstruments(ctx, []market.Instrument{
		yahooKRX("005930.KS", market.BoardKOSPI), yahooKRX("000660.KS", market.BoardKOSPI),
		yahooKRX("373220.KQ", market.BoardKOSDAQ), yahooKRX("0193T0.KS", ""),
	}); err != nil {
		t.Fatal(err)
	}
	c, _ := f.collector()
	for _, tt := range []struct {
		filter Filter
		want   []string
	}{
		{Filter{Market: market.XKRX, Board: market.BoardKOSPI}, []string{"000660.KS", "005930.KS"}},
		{Filter{Market: market.XKRX, Board: market.BoardKOSDAQ}, []string{"373220.KQ"}},
		{Filter{Market: market.XKRX}, []string{"000660.KS", "005930.KS", "0193T0.KS", "373220.KQ"}},
		{Filter{Board: market.BoardKOSDAQ, Source: market.SourceNaver}, nil},
	} {
		_, plan, err := c.Backfill(ctx, BackfillRequest{Filter: tt.filter, From: d("2026-03-02"), DryRun: true})
		if err != nil {
			t.Fatalf("%+v: %v", tt.filter, err)
		}
		var got []string
		for _, it := range plan.Items {
			got = append(got, it.Key.Symbol)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("filter %+v selected %v, want %v", tt.filter, got, tt.want)
		}
	}
}
