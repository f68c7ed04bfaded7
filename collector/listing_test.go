package collector

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

// listing is a Lister answering a fixed listing per board.
type listing map[string][]market.Instrument

func (l listing) Listing(_ context.Context, board string) ([]market.Instrument, error) {
	if insts, ok := l[board]; ok {
		return insts, nil
	}
	return nil, fmt.Errorf("no listing of %s", board)
}

func naverInst(code, board string) market.Instrument {
	return market.Instrument{Key: market.Key{Source: market.SourceNaver, Symbol: code}, Market: market.XKRX, Board: board, Active: true}
}

func listingStore(t *testing.T, insts ...market.Instrument) *store.Store {
	t.Helper()
	st := newStore(t)
	if _, err := st.AddInstruments(context.Background(), insts); err != nil {
		t.Fatal(err)
	}
	return st
}

func TestImportListing(t *testing.T) {
	ctx := context.Background()
	removed := naverInst("000660", market.BoardKOSPI)
	st := listingStore(t, removed, naverInst("035720", market.BoardKOSPI), naverInst("111111", market.BoardKOSPI),
		naverInst("247540", market.BoardKOSDAQ), naverInst("222222", ""), naverInst("0193T0", ""),
		market.Instrument{Key: market.Key{Source: market.SourceYahoo, Symbol: "005930.KS"}, Market: market.XKRX, Board: market.BoardKOSPI, Active: true})
	if _, err := st.DeactivateInstruments(ctx, []market.Key{removed.Key}); err != nil {
		t.Fatal(err)
	}
	l := listing{market.BoardKOSPI: {naverInst("005930", market.BoardKOSPI), naverInst("000660", market.BoardKOSPI), naverInst("0193T0", market.BoardKOSPI)}}

	for i, want := range []ImportResult{
		{Listed: 3, AddResult: store.AddResult{Added: 1, Reactivated: 1, Unchanged: 1}, Deactivated: 2},
		{Listed: 3, AddResult: store.AddResult{Unchanged: 3}},
	} {
		got, err := ImportListing(ctx, st, l, market.BoardKOSPI)
		if err != nil || got != want {
			t.Fatalf("import %d: %+v, %v; want %+v", i+1, got, err, want)
		}
	}
	insts, err := st.Instruments(ctx, store.InstrumentFilter{Source: market.SourceNaver})
	if err != nil {
		t.Fatal(err)
	}
	inactive := func(in market.Instrument) market.Instrument { in.Active = false; return in }
	want := []market.Instrument{
		naverInst("000660", market.BoardKOSPI), naverInst("005930", market.BoardKOSPI),
		naverInst("0193T0", market.BoardKOSPI), // given its board when listed
		inactive(naverInst("035720", market.BoardKOSPI)), inactive(naverInst("111111", market.BoardKOSPI)),
		naverInst("222222", ""), naverInst("247540", market.BoardKOSDAQ),
	}
	if !reflect.DeepEqual(insts, want) {
		t.Errorf("after import:\n%+v\nwant\n%+v", insts, want)
	}
}

// An import that cannot be trusted changes nothing.
func TestImportListingRefuses(t *testing.T) {
	ctx := context.Background()
	var stored []market.Instrument
	for _, code := range []string{"000660", "005380", "005930", "035420", "051910", "068270", "105560", "207940"} {
		stored = append(stored, naverInst(code, market.BoardKOSPI))
	}
	for _, tt := range []struct {
		name    string
		l       listing
		wantErr string
	}{
		{"failed", listing{}, "import KOSPI: no listing of KOSPI; nothing changed"},
		{"empty", listing{market.BoardKOSPI: nil}, "import KOSPI: the listing came back empty; nothing changed"},
		{"mixed", listing{market.BoardKOSPI: {naverInst("999999", market.BoardKOSPI), naverInst("888888", market.BoardKOSDAQ)}},
			"import KOSPI: the listing holds naver:888888 on XKRX KOSDAQ beside naver:999999 on XKRX KOSPI: want one source's instruments of KOSPI; nothing changed"},
		{"mass deactivation", listing{market.BoardKOSPI: {naverInst("005930", market.BoardKOSPI), naverInst("999999", market.BoardKOSPI)}},
			"import KOSPI: with 2 listed, 7 of the 8 active KOSPI instruments would be marked inactive (000660, 005380, 035420, and 4 more): " +
				"more than 5 and more than 10% at once looks like a broken listing; nothing changed. " +
				"If they really were delisted, remove them first: marketd symbols remove --source naver CODE..."},
	} {
		st := listingStore(t, stored...)
		res, err := ImportListing(ctx, st, tt.l, market.BoardKOSPI)
		if err == nil || err.Error() != tt.wantErr || res.Added != 0 || res.Deactivated != 0 {
			t.Errorf("%s: %+v, %v; want %q", tt.name, res, err, tt.wantErr)
		}
		after, lerr := st.Instruments(ctx, store.InstrumentFilter{})
		if lerr != nil || !reflect.DeepEqual(after, stored) {
			t.Errorf("%s: stored after a refused import %+v, %v; want unchanged", tt.name, after, lerr)
		}
	}
	st := listingStore(t, stored...)
	_, err := ImportListing(ctx, st, listing{market.BoardKOSPI: {naverInst("005930", market.BoardKOSPI)}}, market.BoardKOSPI)
	var de *DeactivationError
	if !errors.As(err, &de) || de.Board != market.BoardKOSPI || de.Listed != 1 || de.Active != 8 || len(de.Gone) != 7 {
		t.Errorf("mass deactivation: %v; want a *DeactivationError for 7 of 8", err)
	}
}

func TestCheckDeactivations(t *testing.T) {
	keys := func(n int) []market.Key {
		out := make([]market.Key, n)
		for i := range out {
			out[i] = market.Key{Source: market.SourceNaver, Symbol: fmt.Sprintf("%06d", i+1)}
		}
		return out
	}
	for _, tt := range []struct {
		active, gone int
		refused      bool
	}{
		{active: 8, gone: 5},                // at most 5, whatever the share
		{active: 5, gone: 5},                // a hand-picked board that all went
		{active: 8, gone: 6, refused: true}, // more than 5 and 75%
		{active: 60, gone: 6},               // 10% exactly
		{active: 60, gone: 7, refused: true},
		{active: 950, gone: 95},
		{active: 950, gone: 96, refused: true},
	} {
		err := checkDeactivations("KOSPI", tt.active-tt.gone, tt.active, keys(tt.gone))
		if (err != nil) != tt.refused {
			t.Errorf("%d of %d active leaving: %v; want refused %t", tt.gone, tt.active, err, tt.refused)
		}
	}
}
