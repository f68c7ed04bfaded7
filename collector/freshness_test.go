package collector

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/market/calendar"
	"github.com/marketd/marketd/store"
)

func TestFreshnessOf(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	yahooUS := func(sym string) market.Instrument {
		return market.Instrument{Key: market.Key{Source: market.SourceYahoo, Symbol: sym}, Market: market.XNYS, Active: true}
	}
	naverKR := naverInst("005930", market.BoardKOSPI)
	insts := []market.Instrument{yahooUS("AAPL"), yahooUS("MSFT"), yahooUS("IBM"), naverKR}
	if _, err := st.AddInstruments(ctx, insts); err != nil {
		t.Fatal(err)
	}
	// Friday 2026-03-06 22:00 UTC: New York has closed that day's session
	// (17:00 EST); Seoul is on Saturday, its last session Friday's.
	now := time.Date(2026, 3, 6, 22, 0, 0, 0, time.UTC)
	bar := func(day string) []market.Bar { return []market.Bar{{Date: d(day), Close: market.DecimalFromInt(1)}} }
	if _, err := st.Write(ctx, []store.Write{
		{Key: insts[0].Key, Bars: bar("2026-03-06"), Watermark: d("2026-03-06")},
		{Key: insts[1].Key, Bars: bar("2026-03-05"), Watermark: d("2026-03-05")},
		{Key: naverKR.Key, Bars: bar("2026-03-06"), Watermark: d("2026-03-06")},
	}); err != nil {
		t.Fatal(err)
	}
	cals := func(_ context.Context, code string) (Calendar, error) { return calendar.For(code) }
	got, err := FreshnessOf(ctx, st, cals, now, insts)
	if err != nil {
		t.Fatal(err)
	}
	want := []Freshness{
		{Key: insts[0].Key, Watermark: d("2026-03-06"), LastClosed: d("2026-03-06")},
		{Key: insts[1].Key, Watermark: d("2026-03-05"), LastClosed: d("2026-03-06")},
		{Key: insts[2].Key, LastClosed: d("2026-03-06")},
		{Key: naverKR.Key, Watermark: d("2026-03-06"), LastClosed: d("2026-03-06")},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("FreshnessOf =\n%+v\nwant\n%+v", got, want)
	}
	var behind []bool
	for _, f := range got {
		behind = append(behind, f.Behind())
	}
	if wantBehind := []bool{false, true, true, false}; !reflect.DeepEqual(behind, wantBehind) {
		t.Errorf("Behind = %v, want %v", behind, wantBehind)
	}

	lost := market.Instrument{Key: market.Key{Source: market.SourceYahoo, Symbol: "7203.T"}, Market: "XTKS", Active: true}
	noCal := errors.New("no calendar")
	_, err = FreshnessOf(ctx, st, func(_ context.Context, code string) (Calendar, error) {
		if code == "XTKS" {
			return nil, noCal
		}
		return calendar.For(code)
	}, now, append(insts, lost))
	if !errors.Is(err, noCal) || err.Error() != `collector: calendar of market "XTKS" (yahoo:7203.T): no calendar` {
		t.Errorf("an instrument without a calendar: %v", err)
	}
}

func TestFailedInstruments(t *testing.T) {
	failed := func(sym, err string) store.RunResult {
		return store.RunResult{Key: market.Key{Source: market.SourceNaver, Symbol: sym}, Status: statusFailed, Error: err}
	}
	ok := store.RunResult{Key: market.Key{Source: market.SourceNaver, Symbol: "005930"}, Status: statusOK}
	skipped := store.RunResult{Key: market.Key{Source: market.SourceNaver, Symbol: "005380"}, Status: statusSkipped, Error: "no calendar"}
	for _, tt := range []struct {
		results []store.RunResult
		want    string
	}{
		{nil, ""},
		{[]store.RunResult{ok, skipped}, ""},
		{[]store.RunResult{ok, failed("0193T0", "HTTP 503")}, "failed: naver:0193T0: HTTP 503"},
		{[]store.RunResult{failed("000660", "HTTP 503"), failed("0193T0", "timeout"), failed("035720", "HTTP 410")},
			"failed: naver:000660: HTTP 503; naver:0193T0: timeout; naver:035720: HTTP 410"},
		{[]store.RunResult{failed("000660", "HTTP 503"), ok, failed("0193T0", "timeout"), failed("035720", "HTTP 410"), failed("247540", "parse"), failed("111111", "parse")},
			"failed: naver:000660: HTTP 503; naver:0193T0: timeout; naver:035720: HTTP 410; and 2 more"},
	} {
		if got := FailedInstruments(tt.results); got != tt.want {
			t.Errorf("FailedInstruments(%+v) = %q, want %q", tt.results, got, tt.want)
		}
	}
}
