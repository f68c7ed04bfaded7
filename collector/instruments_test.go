package collector

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

// fakeClassifier answers Classify from a table; a symbol not in it is
// not found, and "DOWN" fails as a transport would.
type fakeClassifier struct {
	known map[string]market.Instrument
	asked []string
}

func (f *fakeClassifier) Classify(_ context.Context, sym string) (market.Instrument, error) {
	f.asked = append(f.asked, sym)
	if sym == "DOWN" {
		return market.Instrument{}, errors.New("yahoo DOWN: HTTP 503")
	}
	in, ok := f.known[sym]
	if !ok {
		return market.Instrument{}, fmt.Errorf("yahoo %s: %w", sym, market.ErrNotFound)
	}
	if in.Market == "" {
		return market.Instrument{}, &market.UnregisteredExchangeError{Site: "Yahoo", Exchange: "WSE", Instrument: in}
	}
	return in, nil
}

func yahooKey(sym string) market.Key { return market.Key{Source: market.SourceYahoo, Symbol: sym} }

// symbols add classifies only what the store lacks, and adds nothing when
// any symbol is refused or cannot be classified, naming every refusal.
func TestAddInstruments(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	c := &fakeClassifier{known: map[string]market.Instrument{
		"7203.T": {Key: yahooKey("7203.T"), Market: "XTKS", Type: market.TypeEquity, Currency: "JPY", Name: "Toyota", Active: true},
		"PKN.WA": {Key: yahooKey("PKN.WA"), Type: market.TypeEquity, Currency: "PLN", Name: "ORLEN", Active: true},
	}}
	given := func(syms ...string) []market.Instrument {
		var out []market.Instrument
		for _, s := range syms {
			out = append(out, market.Instrument{Key: yahooKey(s), Active: true})
		}
		return out
	}
	_, err := AddInstruments(ctx, st, c, given("7203.T", "PKN.WA", "NOPE"), false)
	var no *NotAddedError
	want := "nothing added: PKN.WA trades on Yahoo's exchange WSE, which is not a market marketd knows: " +
		"add it with --market and the market whose calendar it follows; NOPE: yahoo does not know it"
	if !errors.As(err, &no) || len(no.Failed) != 0 || err.Error() != want {
		t.Fatalf("AddInstruments = %v, want %q", err, want)
	}
	_, err = AddInstruments(ctx, st, c, given("7203.T", "DOWN"), false)
	if !errors.As(err, &no) || len(no.Refused) != 0 || err.Error() != "nothing added: yahoo DOWN: HTTP 503" {
		t.Fatalf("AddInstruments with a failing classification = %v", err)
	}
	if insts, _ := st.Instruments(ctx, store.InstrumentFilter{}); len(insts) != 0 {
		t.Fatalf("refused adds stored %v", insts)
	}
	// The market the user names wins over the classifier's, and lets an
	// unregistered exchange in.
	c.asked = nil
	res, err := AddInstruments(ctx, st, c, []market.Instrument{
		{Key: yahooKey("PKN.WA"), Market: market.XNYS, Active: true}, {Key: yahooKey("7203.T"), Market: market.XNYS, Active: true}}, true)
	if err != nil || res.Added != 2 {
		t.Fatalf("AddInstruments with --market = %+v, %v", res, err)
	}
	insts, err := st.Instruments(ctx, store.InstrumentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range insts {
		if in.Market != market.XNYS || in.Currency == "" {
			t.Errorf("stored %+v, want XNYS with the classifier's currency", in)
		}
	}
	// Known instruments are not classified again.
	c.asked = nil
	if res, err := AddInstruments(ctx, st, c, given("7203.T"), false); err != nil || res.Unchanged != 1 || len(c.asked) != 0 {
		t.Errorf("adding a known instrument = %+v, %v, classified %v", res, err, c.asked)
	}
}

// symbols remove changes nothing when one symbol is unknown.
func TestRemoveInstruments(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	if _, err := st.AddInstruments(ctx, []market.Instrument{{Key: yahooKey("AAPL"), Market: market.XNYS, Active: true},
		{Key: yahooKey("MSFT"), Market: market.XNYS, Active: true}}); err != nil {
		t.Fatal(err)
	}
	_, err := RemoveInstruments(ctx, st, market.SourceYahoo, []string{"AAPL", "GOOG", "IBM"})
	var unknown *store.UnknownSymbolsError
	if !errors.As(err, &unknown) || err.Error() != "yahoo has no GOOG, IBM" {
		t.Fatalf("RemoveInstruments(GOOG) = %v, want yahoo has no GOOG, IBM", err)
	}
	if active, _ := st.Instruments(ctx, store.InstrumentFilter{ActiveOnly: true}); len(active) != 2 {
		t.Fatalf("a refused remove changed %v", active)
	}
	if n, err := RemoveInstruments(ctx, st, market.SourceYahoo, []string{"AAPL"}); n != 1 || err != nil {
		t.Errorf("RemoveInstruments(AAPL) = %d, %v; want 1", n, err)
	}
	if n, err := RemoveInstruments(ctx, st, market.SourceYahoo, []string{"AAPL"}); n != 0 || err != nil {
		t.Errorf("RemoveInstruments(AAPL) again = %d, %v; want 0 (already inactive)", n, err)
	}
}

// A filter of inactive or unknown symbols, or of a board nothing active
// trades on, is refused; one that selects something passes.
func TestCheckFilter(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	if _, err := st.AddInstruments(ctx, []market.Instrument{naverInst("005930", market.BoardKOSPI),
		{Key: yahooKey("AAPL"), Market: market.XNYS, Active: true}}); err != nil {
		t.Fatal(err)
	}
	var unknown *store.UnknownSymbolsError
	if err := CheckFilter(ctx, st, Filter{Source: market.SourceYahoo, Symbols: []string{"AAPL", "MSFT"}}); !errors.As(err, &unknown) ||
		err.Error() != "yahoo has no MSFT" {
		t.Errorf("CheckFilter(MSFT) = %v", err)
	}
	var empty *EmptyBoardError
	for _, tt := range []struct {
		f    Filter
		want string
	}{
		{Filter{Market: market.XKRX, Board: market.BoardKOSDAQ}, "no active KOSDAQ instruments"},
		{Filter{Source: market.SourceYahoo, Market: market.XKRX, Board: market.BoardKOSPI}, "yahoo has no active KOSPI instruments"},
	} {
		if err := CheckFilter(ctx, st, tt.f); !errors.As(err, &empty) || err.Error() != tt.want {
			t.Errorf("CheckFilter(%+v) = %v, want %q", tt.f, err, tt.want)
		}
	}
	for _, f := range []Filter{{}, {Market: market.XKRX, Board: market.BoardKOSPI}, {Symbols: []string{"AAPL"}}} {
		if err := CheckFilter(ctx, st, f); err != nil {
			t.Errorf("CheckFilter(%+v) = %v", f, err)
		}
	}
}

// An interval given with the symbols (symbols add --intraday) survives
// classification, for new instruments and ones already there; SetIntraday
// names the symbols as typed and changes all or none.
func TestAddInstrumentsIntraday(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	c := &fakeClassifier{known: map[string]market.Instrument{
		"7203.T": {Key: yahooKey("7203.T"), Market: "XTKS", Currency: "JPY", Active: true},
		"AAPL":   {Key: yahooKey("AAPL"), Market: market.XNYS, Currency: "USD", Active: true},
	}}
	if _, err := AddInstruments(ctx, st, c, []market.Instrument{{Key: yahooKey("AAPL"), Active: true}}, false); err != nil {
		t.Fatal(err)
	}
	given := []market.Instrument{{Key: yahooKey("7203.T"), Active: true, Intraday: market.Interval5m}, {Key: yahooKey("AAPL"), Active: true, Intraday: market.Interval5m}}
	if _, err := AddInstruments(ctx, st, c, given, false); err != nil {
		t.Fatal(err)
	}
	got, err := st.Instruments(ctx, store.InstrumentFilter{IntradayOnly: true})
	if err != nil || len(got) != 2 || got[0].Intraday != market.Interval5m || got[1].Intraday != market.Interval5m {
		t.Fatalf("intraday instruments %+v, %v; want 7203.T and AAPL at 5m", got, err)
	}
	changed, named, err := SetIntraday(ctx, st, market.SourceYahoo, []string{"aapl", "AAPL", "7203.t"}, market.Interval1m)
	if err != nil || changed != 2 || named != 2 {
		t.Errorf("SetIntraday: %d changed of %d, %v; want 2 of 2", changed, named, err)
	}
	if _, _, err := SetIntraday(ctx, st, market.SourceYahoo, []string{"AAPL", "NOPE"}, 0); !errors.Is(err, store.ErrNotFound) || !strings.Contains(err.Error(), "yahoo:NOPE") {
		t.Errorf("SetIntraday with an unknown symbol: %v", err)
	}
}
