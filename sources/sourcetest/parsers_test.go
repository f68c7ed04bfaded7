package sourcetest_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/naver"
	"github.com/marketd/marketd/sources/sourcetest"
	"github.com/marketd/marketd/sources/yahoo"
)

// withoutFinal clears Final: sources leave it to the collector.
func withoutFinal(bars []market.Bar) []market.Bar {
	out := slices.Clone(bars)
	for i := range out {
		out[i].Final = false
	}
	return out
}

func diffBars(t *testing.T, what string, got, want []market.Bar) {
	t.Helper()
	got, want = withoutFinal(got), withoutFinal(want)
	if len(got) != len(want) {
		t.Fatalf("%s: %d bars, ground truth %d", what, len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("%s: bar %d = %+v, ground truth %+v", what, i, got[i], want[i])
		}
	}
}

// The real parsers read the simulated bodies into exactly the ground truth.
func TestYahooParserReadsGroundTruth(t *testing.T) {
	now := time.Date(2025, 2, 20, 12, 0, 0, 0, time.UTC)
	m := sourcetest.New(sourcetest.Options{Now: func() time.Time { return now }, Symbols: []sourcetest.Symbol{
		{Symbol: "AAPL",
			Splits:     []sourcetest.Split{{Date: market.NewDate(2020, 8, 31), Numerator: 4, Denominator: 1}},
			Dividends:  []sourcetest.Dividend{{Date: market.NewDate(2020, 11, 6), Amount: market.DecimalFromInt(205) / 1000}},
			YahooNulls: []sourcetest.Null{{Date: market.NewDate(2020, 9, 16), Fields: []string{"open"}}},
			Halts:      []market.Date{market.NewDate(2020, 10, 14)}},
		{Symbol: "373220.KS"},
	}})
	url, stop := m.Start()
	defer stop()
	src := yahoo.New(yahoo.Config{BaseURL: url, Now: func() time.Time { return now }}, nil)
	for _, tt := range []struct {
		symbol, mic string
		from, to    market.Date
	}{
		{"AAPL", market.XNYS, market.NewDate(2020, 8, 31), market.NewDate(2020, 11, 6)},
		{"373220.KS", market.XKRX, market.NewDate(2024, 1, 1), market.NewDate(2025, 2, 19)},
	} {
		inst := market.Instrument{Key: market.Key{Source: market.SourceYahoo, Symbol: tt.symbol}, Market: tt.mic}
		s, err := src.Fetch(context.Background(), inst, tt.from, tt.to)
		if err != nil {
			t.Fatalf("%s: %v", tt.symbol, err)
		}
		diffBars(t, tt.symbol, s.Bars, m.Bars(market.SourceYahoo, tt.symbol, tt.from, tt.to))
		if want := m.Actions(market.SourceYahoo, tt.symbol, tt.from, tt.to); !slices.Equal(s.Actions, want) {
			t.Errorf("%s: actions %+v, ground truth %+v", tt.symbol, s.Actions, want)
		}
	}
}

func TestNaverParserReadsGroundTruth(t *testing.T) {
	now := time.Date(2026, 9, 29, 19, 34, 0, 0, time.FixedZone("KST", 9*3600))
	m := sourcetest.New(sourcetest.Options{Now: func() time.Time { return now }, Symbols: []sourcetest.Symbol{
		{Symbol: "005930", Halts: []market.Date{market.NewDate(2026, 9, 22)}},
		{Symbol: "000660"},
	}})
	url, stop := m.Start()
	defer stop()
	src := naver.New(naver.Config{FChartURL: url, APIURL: url, PollingURL: url, MobileURL: url,
		Now: func() time.Time { return now }}, nil)
	ctx := context.Background()
	inst := func(code string) market.Instrument {
		return market.Instrument{Key: market.Key{Source: market.SourceNaver, Symbol: code}, Market: market.XKRX, Board: "KOSPI"}
	}
	from, to := market.NewDate(2025, 1, 1), market.NewDate(2026, 9, 29)
	s, err := src.Fetch(ctx, inst("005930"), from, to)
	if err != nil {
		t.Fatal(err)
	}
	diffBars(t, "siseJson 005930", s.Bars, m.Bars(market.SourceNaver, "005930", from, to))

	s, err = src.Recent(ctx, inst("005930"), 5)
	if err != nil {
		t.Fatal(err)
	}
	diffBars(t, "fchart 005930", s.Bars, m.Bars(market.SourceNaver, "005930", market.NewDate(2026, 9, 21), to))

	latest, err := src.Latest(ctx, []market.Instrument{inst("005930"), inst("000660")})
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{"005930", "000660"} {
		diffBars(t, "polling "+code, latest[market.Key{Source: market.SourceNaver, Symbol: code}].Bars, m.Bars(market.SourceNaver, code, to, to))
	}

	list, err := src.Listing(ctx, "KOSPI")
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, in := range list {
		codes = append(codes, in.Symbol)
	}
	slices.Sort(codes)
	if !slices.Equal(codes, []string{"000660", "005930"}) {
		t.Errorf("listing = %v", codes)
	}
}
