package export_test

import (
	"bytes"
	"context"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
	"github.com/marketd/marketd/store/export"
	"github.com/marketd/marketd/store/sqlite"
)

// TestMinutes: each instrument's minutes in its exchange's zone with the
// offset, selected by session date in that zone; a missing value is an
// empty field (JSON null); a symbol with nothing in the range is named.
func TestMinutes(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	dec := func(s string) market.Decimal {
		v, err := market.ParseDecimal(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	full := func(start, o, h, l, c string, v int64) market.MinuteBar {
		return market.MinuteBar{Start: at(start), Open: market.Some(dec(o)), High: market.Some(dec(h)), Low: market.Some(dec(l)), Close: dec(c), Volume: market.Some(v)}
	}
	aapl := market.Instrument{Key: market.Key{Source: market.SourceYahoo, Symbol: "AAPL"}, Market: market.XNYS}
	krx := market.Instrument{Key: market.Key{Source: market.SourceYahoo, Symbol: "005930.KS"}, Market: market.XKRX}
	idle := market.Instrument{Key: market.Key{Source: market.SourceYahoo, Symbol: "MSFT"}, Market: market.XNYS}
	_, err = st.WriteMinutes(ctx, []store.MinuteWrite{
		{Key: aapl.Key, Interval: market.Interval1m, Bars: []market.MinuteBar{
			full("2026-10-05T13:30:00Z", "187.15", "188.44", "187", "188.01", 1204500),
			{Start: at("2026-10-05T19:59:00Z"), Close: dec("188.2")},
			full("2026-10-06T13:30:00Z", "1", "1", "1", "1", 1),
		}},
		{Key: krx.Key, Interval: market.Interval1m, Bars: []market.MinuteBar{
			full("2026-10-02T06:29:00Z", "1", "1", "1", "1", 1),
			full("2026-10-05T00:00:00Z", "84500", "84900", "84400", "84700", 121000),
		}},
		{Key: idle.Key, Interval: market.Interval5m, Bars: []market.MinuteBar{full("2026-10-05T13:30:00Z", "1", "1", "1", "1", 1)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	day := market.NewDate(2026, 10, 5)
	sel := export.Selection{Source: market.SourceYahoo, Symbols: []string{"005930.KS", "AAPL", "MSFT"}, From: day, To: day}
	insts := []market.Instrument{aapl, krx, idle}
	var out bytes.Buffer
	n, err := export.Minutes(ctx, &out, st, sel, market.Interval1m, insts)
	if err != nil {
		t.Fatal(err)
	}
	want := `source,symbol,interval,start,open,high,low,close,volume
yahoo,005930.KS,1m,2026-10-05T09:00:00+09:00,84500,84900,84400,84700,121000
yahoo,AAPL,1m,2026-10-05T09:30:00-04:00,187.15,188.44,187,188.01,1204500
yahoo,AAPL,1m,2026-10-05T15:59:00-04:00,,,,188.2,
`
	if out.String() != want {
		t.Errorf("csv:\n%s\nwant:\n%s", out.String(), want)
	}
	if wantN := (export.Count{Noun: "minute bar", Rows: 3, Symbols: 2, Empty: []string{"MSFT"}}); !reflect.DeepEqual(n, wantN) {
		t.Errorf("count %+v, want %+v", n, wantN)
	}

	out.Reset()
	sel = export.Selection{Source: market.SourceYahoo, Symbols: []string{"AAPL"}, JSON: true}
	if _, err := export.Minutes(ctx, &out, st, sel, market.Interval1m, insts); err != nil {
		t.Fatal(err)
	}
	want = `[
{"source":"yahoo","symbol":"AAPL","interval":"1m","start":"2026-10-05T09:30:00-04:00","open":187.15,"high":188.44,"low":187,"close":188.01,"volume":1204500},
{"source":"yahoo","symbol":"AAPL","interval":"1m","start":"2026-10-05T15:59:00-04:00","open":null,"high":null,"low":null,"close":188.2,"volume":null},
{"source":"yahoo","symbol":"AAPL","interval":"1m","start":"2026-10-06T09:30:00-04:00","open":1,"high":1,"low":1,"close":1,"volume":1}
]
`
	if out.String() != want {
		t.Errorf("json, no bounds:\n%s\nwant:\n%s", out.String(), want)
	}
	if _, err := export.Minutes(ctx, &out, st, sel, market.Interval1d, insts); err == nil {
		t.Error("1d accepted")
	}
}
