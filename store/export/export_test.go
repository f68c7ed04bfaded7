package export_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
	"github.com/marketd/marketd/store/export"
)

// memory is a store of one source's bars and actions, by symbol.
type memory struct {
	bars    map[string][]market.Bar
	actions map[string][]market.Action
	order   []string
}

func (m memory) ScanBars(_ context.Context, source string, from, to market.Date, fn func(market.Key, market.Bar) error) error {
	for _, s := range m.order {
		for _, b := range m.bars[s] {
			if b.Date >= from && b.Date <= to {
				if err := fn(market.Key{Source: source, Symbol: s}, b); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func (m memory) Bars(_ context.Context, key market.Key, from, to market.Date) ([]market.Bar, error) {
	var out []market.Bar
	for _, b := range m.bars[key.Symbol] {
		if b.Date >= from && b.Date <= to {
			out = append(out, b)
		}
	}
	return out, nil
}

func (m memory) ScanActions(_ context.Context, source string, from, to market.Date, fn func(market.Key, market.Action) error) error {
	for _, s := range m.order {
		for _, a := range m.actions[s] {
			if a.Date >= from && a.Date <= to {
				if err := fn(market.Key{Source: source, Symbol: s}, a); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func (m memory) Actions(_ context.Context, key market.Key, from, to market.Date) ([]market.Action, error) {
	var out []market.Action
	for _, a := range m.actions[key.Symbol] {
		if a.Date >= from && a.Date <= to {
			out = append(out, a)
		}
	}
	return out, nil
}

func dec(s string) market.Decimal {
	d, err := market.ParseDecimal(s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestExport(t *testing.T) {
	st := memory{
		order: []string{"AAPL", "MSFT"},
		bars: map[string][]market.Bar{
			"AAPL": {{Date: 20260105, Open: market.Some(dec("10.50")), High: market.Some(dec("11")), Low: market.Some(dec("10")),
				Close: dec("10.75"), AdjClose: market.Some(dec("10.7")), Volume: market.Some[int64](1200)}},
			"MSFT": {{Date: 20260105, Close: dec("400"), Halted: true}}, // a halt: no open, high, low, volume
		},
		actions: map[string][]market.Action{
			"AAPL": {{Date: 20260106, Kind: market.Dividend, Amount: dec("0.26")}},
			"MSFT": {{Date: 20260107, Kind: market.Split, Numerator: dec("4"), Denominator: dec("1")}},
		},
	}
	ctx := context.Background()
	all := export.Selection{Source: "yahoo", From: 20260101, To: 20261231}
	for _, tt := range []struct {
		name string
		run  func(*bytes.Buffer) (export.Count, error)
		want string
		n    export.Count
	}{
		{"bars csv", func(b *bytes.Buffer) (export.Count, error) { return export.Bars(ctx, b, st, all) },
			"source,symbol,date,open,high,low,close,adj_close,volume\n" +
				"yahoo,AAPL,2026-01-05,10.5,11,10,10.75,10.7,1200\n" +
				"yahoo,MSFT,2026-01-05,,,,400,,\n",
			export.Count{Noun: "bar", Rows: 2, Symbols: 2}},
		{"bars json, symbols asked", func(b *bytes.Buffer) (export.Count, error) {
			sel := all
			sel.JSON, sel.Symbols = true, []string{"MSFT", "TSLA"}
			return export.Bars(ctx, b, st, sel)
		},
			"[\n" +
				`{"source":"yahoo","symbol":"MSFT","date":"2026-01-05","open":null,"high":null,"low":null,"close":400,"adj_close":null,"volume":null}` +
				"\n]\n",
			export.Count{Noun: "bar", Rows: 1, Symbols: 1, Empty: []string{"TSLA"}}},
		{"actions csv", func(b *bytes.Buffer) (export.Count, error) { return export.Actions(ctx, b, st, all) },
			"source,symbol,ex_date,kind,amount,numerator,denominator\n" +
				"yahoo,AAPL,2026-01-06,dividend,0.26,,\n" +
				"yahoo,MSFT,2026-01-07,split,,4,1\n",
			export.Count{Noun: "action", Rows: 2, Symbols: 2}},
	} {
		var b bytes.Buffer
		n, err := tt.run(&b)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if b.String() != tt.want {
			t.Errorf("%s: wrote\n%s\nwant\n%s", tt.name, b.String(), tt.want)
		}
		if fmt.Sprintf("%+v", n) != fmt.Sprintf("%+v", tt.n) {
			t.Errorf("%s: count %+v, want %+v", tt.name, n, tt.n)
		}
	}
}

// TestExportEightDecimals: FX and crypto prices leave as stored, every
// digit of eight, no exponent and no trailing zero.
func TestExportEightDecimals(t *testing.T) {
	st := memory{
		order: []string{"KRW=X", "SHIB-USD"},
		bars: map[string][]market.Bar{
			"KRW=X": {{Date: 20261002, Open: market.Some(dec("1380.5599")), High: market.Some(dec("1391.08")), Low: market.Some(dec("1379.10")),
				Close: dec("1380.5599"), AdjClose: market.Some(dec("1380.5599")), Volume: market.Some[int64](0)}},
			"SHIB-USD": {{Date: 20261003, Open: market.Some(dec("0.00001234")), High: market.Some(dec("0.00001299")), Low: market.Some(dec("0.00000001")),
				Close: dec("0.00001235"), AdjClose: market.Some(dec("0.00001235")), Volume: market.Some[int64](123456789012)}},
		},
	}
	ctx := context.Background()
	sel := export.Selection{Source: "yahoo", From: 20260101, To: 20261231}
	var csv, js bytes.Buffer
	if _, err := export.Bars(ctx, &csv, st, sel); err != nil {
		t.Fatal(err)
	}
	want := "source,symbol,date,open,high,low,close,adj_close,volume\n" +
		"yahoo,KRW=X,2026-10-02,1380.5599,1391.08,1379.1,1380.5599,1380.5599,0\n" +
		"yahoo,SHIB-USD,2026-10-03,0.00001234,0.00001299,0.00000001,0.00001235,0.00001235,123456789012\n"
	if csv.String() != want {
		t.Errorf("csv:\n%s\nwant\n%s", csv.String(), want)
	}
	sel.JSON, sel.Symbols = true, []string{"SHIB-USD"}
	if _, err := export.Bars(ctx, &js, st, sel); err != nil {
		t.Fatal(err)
	}
	wantJSON := "[\n" + `{"source":"yahoo","symbol":"SHIB-USD","date":"2026-10-03","open":0.00001234,"high":0.00001299,"low":0.00000001,` +
		`"close":0.00001235,"adj_close":0.00001235,"volume":123456789012}` + "\n]\n"
	if js.String() != wantJSON {
		t.Errorf("json:\n%s\nwant\n%s", js.String(), wantJSON)
	}
}

// Instruments and MinuteBars make memory an export.Store: it holds the
// instruments of order, without minute bars.
func (m memory) Instruments(_ context.Context, f store.InstrumentFilter) ([]market.Instrument, error) {
	var out []market.Instrument
	for _, s := range m.order {
		if len(f.Symbols) == 0 || slices.Contains(f.Symbols, s) {
			out = append(out, market.Instrument{Key: market.Key{Source: f.Source, Symbol: s}, Active: true})
		}
	}
	return out, nil
}

func (m memory) MinuteBars(context.Context, market.Key, market.Interval, time.Time, time.Time) ([]market.MinuteBar, error) {
	return nil, nil
}

// CheckSymbols makes memory an export.Store: it has the symbols of order.
func (m memory) CheckSymbols(_ context.Context, f store.InstrumentFilter) error {
	var missing []string
	for _, s := range f.Symbols {
		if !slices.Contains(m.order, s) {
			missing = append(missing, s)
		}
	}
	if len(missing) > 0 {
		return &store.UnknownSymbolsError{Source: f.Source, Symbols: missing}
	}
	return nil
}

// Run normalizes and sorts the symbols, refuses unknown ones before
// writing anything, and says what it wrote, naming open ends.
func TestRun(t *testing.T) {
	st := memory{order: []string{"AAPL", "MSFT"}, bars: map[string][]market.Bar{
		"AAPL": {{Date: 20260105, Close: dec("10.75")}, {Date: 20260106, Close: dec("11")}},
	}, actions: map[string][]market.Action{"AAPL": {{Date: 20260106, Kind: market.Dividend, Amount: dec("0.26")}}}}
	ctx := context.Background()
	var out bytes.Buffer
	_, err := export.Run(ctx, &out, st, export.Request{Source: "yahoo", Symbols: []string{"aapl", "GOOG", "ibm"}})
	var unknown *store.UnknownSymbolsError
	if !errors.As(err, &unknown) || err.Error() != "yahoo has no GOOG, IBM" || out.Len() != 0 {
		t.Fatalf("Run(GOOG, IBM) = %v, wrote %q; want yahoo has no GOOG, IBM and nothing written", err, out.String())
	}
	for _, tt := range []struct {
		req     export.Request
		summary string
		lines   int
	}{
		{export.Request{Source: "yahoo", Symbols: []string{"msft", " aapl", ""}},
			"export: 2 bars of 1 symbol (yahoo, first to last, csv); no bars in the range for MSFT", 3},
		{export.Request{Source: "yahoo", From: 20260106, JSON: true},
			"export: 1 bar of 1 symbol (yahoo, 2026-01-06 to last, json)", 0},
		{export.Request{Source: "yahoo", To: 20260105, Actions: true},
			"export: 0 actions of 0 symbols (yahoo, first to 2026-01-05, csv)", 1},
	} {
		out.Reset()
		got, err := export.Run(ctx, &out, st, tt.req)
		if err != nil || got != tt.summary {
			t.Errorf("Run(%+v) = %q, %v; want %q", tt.req, got, err, tt.summary)
		}
		if lines := strings.Count(out.String(), "\n"); !tt.req.JSON && lines != tt.lines {
			t.Errorf("Run(%+v) wrote %d lines, want %d:\n%s", tt.req, lines, tt.lines, out.String())
		}
	}
}
