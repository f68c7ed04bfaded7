package storetest

import (
	"context"
	"testing"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

// testInstrumentTypes: the instrument type is stored, read back, filled in
// when a later add knows it, and never erased by an add that does not.
func testInstrumentTypes(t *testing.T, s *store.Store) {
	ctx := context.Background()
	index := market.Key{Source: market.SourceYahoo, Symbol: "KOSPI-25.KS"}
	btc := market.Key{Source: market.SourceYahoo, Symbol: "BTC-USD"}
	add := func(insts ...market.Instrument) {
		t.Helper()
		if _, err := s.AddInstruments(ctx, insts); err != nil {
			t.Fatal(err)
		}
	}
	add(market.Instrument{Key: index, Market: market.XKRX, Board: market.BoardKOSPI, Type: market.TypeIndex,
		Currency: "KRW", Name: "KOSPI Financial Companies - Ins"},
		market.Instrument{Key: btc, Market: market.CRYPTO, Currency: "USD"})
	add(market.Instrument{Key: index}, market.Instrument{Key: btc, Type: market.TypeCryptocurrency})
	got, err := s.Instruments(ctx, store.InstrumentFilter{Source: market.SourceYahoo})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "instruments", got, []market.Instrument{
		{Key: btc, Market: market.CRYPTO, Type: market.TypeCryptocurrency, Currency: "USD", Active: true},
		{Key: index, Market: market.XKRX, Board: market.BoardKOSPI, Type: market.TypeIndex, Currency: "KRW",
			Name: "KOSPI Financial Companies - Ins", Active: true},
	})
}

// testPrecision: every price precision a source gives is stored exactly,
// through the bulk path (new bars) and the row path (restated bars): FX
// at four decimals, crypto at eight, a KRW index at two, the largest
// Decimal, and dividends at eight.
func testPrecision(t *testing.T, s *store.Store) {
	fx := market.Key{Source: market.SourceYahoo, Symbol: "KRW=X"}
	btc := market.Key{Source: market.SourceYahoo, Symbol: "SHIB-USD"}
	idx := market.Key{Source: market.SourceYahoo, Symbol: "KOSPI-25.KS"}
	big := market.Key{Source: market.SourceYahoo, Symbol: "BIG"}
	first := map[market.Key][]market.Bar{
		fx: {bar(t, "2026-10-01", "1380.5599", "1391.0801", "1379.1", "1380.5599", "1380.5599", 0),
			bar(t, "2026-10-02", "151.4321", "151.9", "150.0001", "151.2345", "151.2345", 0)},
		btc: {bar(t, "2026-10-03", "0.00001234", "0.00001299", "0.00000001", "0.00001235", "0.00001235", 123456789012)},
		idx: {{Date: date(t, "2026-10-02"), Close: dec(t, "46539.14"), AdjClose: market.Some(dec(t, "46539.14")), Volume: market.Some(int64(0))}},
		big: {bar(t, "2026-10-02", "92233720368.54775807", "92233720368.54775807", "0.00000001", "92233720368.54775807", "0.00000001", 1)},
	}
	var ws []store.Write
	for _, k := range []market.Key{fx, btc, idx, big} {
		ws = append(ws, store.Write{Key: k, Bars: first[k]})
	}
	equal(t, "first write", write(t, s, ws...), store.WriteResult{Inserted: 5})
	for k, want := range first {
		equal(t, "bulk-loaded "+k.Symbol, readBars(t, s, k), want)
	}

	restated := []market.Bar{first[fx][0], bar(t, "2026-10-02", "151.4321", "151.9", "150.0001", "151.23450001", "151.23450001", 0)}
	equal(t, "restatement", write(t, s, store.Write{Key: fx, Bars: restated}), store.WriteResult{Changed: 1, Unchanged: 1})
	equal(t, "restated", readBars(t, s, fx), restated)

	acts := []market.Action{{Date: date(t, "2026-10-02"), Kind: market.Dividend, Amount: dec(t, "0.00012345")}}
	write(t, s, store.Write{Key: btc, Actions: acts})
	got, err := s.Actions(context.Background(), btc, date(t, "2026-10-01"), date(t, "2026-10-31"))
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "actions", got, acts)
}
