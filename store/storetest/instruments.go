package storetest

import (
	"context"
	"errors"
	"strings"
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

func testIntraday(t *testing.T, s *store.Store) {
	ctx := context.Background()
	_, err := s.AddInstruments(ctx, []market.Instrument{
		{Key: aapl, Market: market.XNYS, Intraday: market.Interval5m},
		{Key: samsung, Market: market.XKRX, Board: market.BoardKOSPI},
	})
	if err != nil {
		t.Fatal(err)
	}
	intraday := func(label string, want map[market.Key]market.Interval) {
		t.Helper()
		got, err := s.Instruments(ctx, store.InstrumentFilter{IntradayOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		have := map[market.Key]market.Interval{}
		for _, in := range got {
			have[in.Key] = in.Intraday
		}
		equal(t, label, have, want)
	}
	intraday("added with 5m", map[market.Key]market.Interval{aapl: market.Interval5m})

	n, err := s.SetIntraday(ctx, []market.Key{aapl, samsung}, market.Interval1m)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "changed to 1m", n, 2)
	intraday("both 1m", map[market.Key]market.Interval{aapl: market.Interval1m, samsung: market.Interval1m})

	// Re-adding without an interval keeps the one set: adding never erases.
	if _, err := s.AddInstruments(ctx, []market.Instrument{{Key: aapl}}); err != nil {
		t.Fatal(err)
	}
	n, err = s.SetIntraday(ctx, []market.Key{aapl}, market.Interval1m)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "unchanged", n, 0)

	// All or nothing: an unknown key names itself and changes no one.
	nope := market.Key{Source: "yahoo", Symbol: "NOPE"}
	_, err = s.SetIntraday(ctx, []market.Key{samsung, nope}, 0)
	if !errors.Is(err, store.ErrNotFound) || !strings.Contains(err.Error(), "yahoo:NOPE") {
		t.Fatalf("unknown key: err = %v, want ErrNotFound naming yahoo:NOPE", err)
	}
	intraday("after refused change", map[market.Key]market.Interval{aapl: market.Interval1m, samsung: market.Interval1m})

	if _, err := s.SetIntraday(ctx, []market.Key{aapl}, market.Interval1d); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("1d: err = %v, want ErrInvalid", err)
	}
	n, err = s.SetIntraday(ctx, []market.Key{samsung}, 0)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "off", n, 1)
	intraday("samsung off", map[market.Key]market.Interval{aapl: market.Interval1m})
}
