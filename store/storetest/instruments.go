package storetest

import (
	"context"
	"testing"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

func testInstruments(t *testing.T, s *store.Store) {
	ctx := context.Background()
	insts := []market.Instrument{
		{Key: aapl, Market: market.XNYS, Currency: "USD", Name: "Apple Inc.", Listed: date(t, "1980-12-12")},
		{Key: samsung, Market: market.XKRX, Board: "KOSPI", Currency: "KRW", Name: "삼성전자"},
	}
	r, err := s.AddInstruments(ctx, insts)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "add", r, store.AddResult{Added: 2})
	n, err := s.DeactivateInstruments(ctx, []market.Key{aapl, {Source: "yahoo", Symbol: "NOPE"}})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "deactivated", n, 1)
	active, err := s.Instruments(ctx, store.InstrumentFilter{ActiveOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "active", active, []market.Instrument{{Key: samsung, Market: market.XKRX, Board: "KOSPI", Currency: "KRW", Name: "삼성전자", Active: true}})
	r, err = s.AddInstruments(ctx, []market.Instrument{{Key: aapl}, {Key: samsung}})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "re-add", r, store.AddResult{Reactivated: 1, Unchanged: 1})
	us, err := s.Instruments(ctx, store.InstrumentFilter{Market: market.XNYS})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "XNYS", us, []market.Instrument{{Key: aapl, Market: market.XNYS, Currency: "USD", Name: "Apple Inc.", Active: true, Listed: date(t, "1980-12-12")}})
	for board, want := range map[string][]market.Instrument{
		market.BoardKOSPI:  {{Key: samsung, Market: market.XKRX, Board: market.BoardKOSPI, Currency: "KRW", Name: "삼성전자", Active: true}},
		market.BoardKOSDAQ: nil,
	} {
		got, err := s.Instruments(ctx, store.InstrumentFilter{Market: market.XKRX, Board: board})
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "board "+board, got, want)
	}
}
