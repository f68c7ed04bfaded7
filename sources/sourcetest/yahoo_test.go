package sourcetest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/marketd/marketd/sources/market"
)

type chartDoc struct {
	Chart struct {
		Result []struct {
			Meta struct {
				PriceHint            int    `json:"priceHint"`
				ExchangeTimezoneName string `json:"exchangeTimezoneName"`
				Gmtoffset            int    `json:"gmtoffset"`
			} `json:"meta"`
			Timestamp *[]int64 `json:"timestamp"`
			Events    struct {
				Dividends map[string]struct {
					Amount float64 `json:"amount"`
					Date   int64   `json:"date"`
				} `json:"dividends"`
				Splits map[string]struct {
					Numerator   int64  `json:"numerator"`
					Denominator int64  `json:"denominator"`
					SplitRatio  string `json:"splitRatio"`
				} `json:"splits"`
			} `json:"events"`
			Indicators struct {
				Quote []struct {
					Open, High, Low, Close []*float64
					Volume                 []*int64
				} `json:"quote"`
				Adjclose []struct {
					Adjclose []*float64 `json:"adjclose"`
				} `json:"adjclose"`
			} `json:"indicators"`
		} `json:"result"`
		Error *struct{ Code, Description string } `json:"error"`
	} `json:"chart"`
}

func chartOf(t *testing.T, m *Market, path string) (int, chartDoc) {
	t.Helper()
	resp, body := get(t, m, path)
	var doc chartDoc
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("%s: %v in %q", path, err, body)
	}
	return resp.StatusCode, doc
}

func aaplOptions(now time.Time) Options {
	return Options{Now: fixedNow(now), Symbols: []Symbol{{Symbol: "AAPL",
		Splits:     []Split{{Date: d(2020, 8, 31), Numerator: 4, Denominator: 1}},
		Dividends:  []Dividend{{Date: d(2020, 11, 6), Amount: market.DecimalFromInt(205) / 1000}},
		Halts:      []market.Date{d(2020, 10, 1)},
		YahooNulls: []Null{{Date: d(2020, 9, 15)}, {Date: d(2020, 9, 16), Fields: []string{"open", "volume"}}},
	}}}
}

// The recorded AAPL window: the same 49 sessions, the split and the
// dividend under the recorded timestamps, prices at priceHint.
func TestChartFollowsRecordedWindow(t *testing.T) {
	m := New(aaplOptions(time.Date(2025, 2, 20, 12, 0, 0, 0, time.UTC)))
	status, doc := chartOf(t, m, "/v8/finance/chart/AAPL?period1=1598832000&period2=1604707200&interval=1d&events=div,split")
	rec := chartDoc{}
	if err := json.Unmarshal(fixture(t, "chart_AAPL_1d_20200831_20201107_events.json"), &rec); err != nil {
		t.Fatal(err)
	}
	r, w := doc.Chart.Result[0], rec.Chart.Result[0]
	if status != 200 || len(*r.Timestamp) != 49 {
		t.Fatalf("status %d, %d bars; want 200 and 49", status, len(*r.Timestamp))
	}
	for i, ts := range *w.Timestamp {
		if (*r.Timestamp)[i] != ts {
			t.Errorf("timestamp %d = %d, recorded %d", i, (*r.Timestamp)[i], ts)
		}
	}
	if s := r.Events.Splits["1598880600"]; s.Numerator != 4 || s.Denominator != 1 || s.SplitRatio != "4:1" {
		t.Errorf("split = %+v, want 4:1 under 1598880600", r.Events.Splits)
	}
	if dv := r.Events.Dividends["1604673000"]; dv.Amount != 0.205 || dv.Date != 1604673000 {
		t.Errorf("dividend = %+v, want 0.205 under 1604673000", r.Events.Dividends)
	}
	q, adj := r.Indicators.Quote[0], r.Indicators.Adjclose[0].Adjclose
	i15, i16, i1001 := 10, 11, 22 // 2020-09-15, 09-16, 10-01
	if q.Close[i15] != nil || q.Open[i15] != nil || q.Volume[i15] != nil || adj[i15] != nil {
		t.Errorf("2020-09-15 not all null")
	}
	if q.Open[i16] != nil || q.Volume[i16] != nil || q.Close[i16] == nil {
		t.Errorf("2020-09-16: open and volume should be null, close not")
	}
	if *q.Volume[i1001] != 0 || *q.Open[i1001] != *q.Close[i1001] || *q.High[i1001] != *q.Close[i1001] || *q.Close[i1001] != *q.Close[i1001-1] {
		t.Errorf("halted 2020-10-01 should repeat the previous close with volume 0")
	}

	truth := m.Bars(market.SourceYahoo, "AAPL", d(2020, 8, 31), d(2020, 11, 6))
	if len(truth) != 48 { // 49 sessions minus the all-null one
		t.Fatalf("ground truth has %d bars, want 48", len(truth))
	}
	last := truth[len(truth)-1]
	lastClose := *q.Close[48]
	if got, _ := market.DecimalFromFloat(lastClose, 2); got != last.Close || last.AdjClose.V != last.Close {
		t.Errorf("last bar close %v adj %v, served %v; adjclose equals close on the ex-date", last.Close, last.AdjClose.V, lastClose)
	}
	prev := truth[len(truth)-2]
	wantAdj, _ := market.DecimalFromFloat(prev.Close.Float64()*(1-0.205/prev.Close.Float64()), 2)
	if prev.AdjClose.V != wantAdj {
		t.Errorf("adjclose before the ex-date = %v, want %v", prev.AdjClose.V, wantAdj)
	}
	for _, b := range truth {
		switch b.Date {
		case d(2020, 9, 16):
			if b.Open.Valid || b.Volume.Valid || !b.High.Valid {
				t.Errorf("2020-09-16 truth %+v: open and volume missing", b)
			}
		case d(2020, 10, 1):
			if !b.Halted || b.Open.Valid || b.Volume.V != 0 {
				t.Errorf("2020-10-01 truth %+v: halted", b)
			}
		}
	}
	acts := m.Actions(market.SourceYahoo, "AAPL", d(2020, 1, 1), d(2020, 12, 31))
	if len(acts) != 2 || acts[0].Kind != market.Split || acts[1].Amount.String() != "0.205" {
		t.Errorf("actions = %+v", acts)
	}
}

// Prices before a split are served divided by its ratio once it happened.
func TestSplitAdjustsEarlierPrices(t *testing.T) {
	before := New(aaplOptions(time.Date(2020, 8, 28, 22, 0, 0, 0, time.UTC)))
	after := New(aaplOptions(time.Date(2020, 9, 1, 22, 0, 0, 0, time.UTC)))
	b := before.Bars(market.SourceYahoo, "AAPL", d(2020, 8, 3), d(2020, 8, 28))
	a := after.Bars(market.SourceYahoo, "AAPL", d(2020, 8, 3), d(2020, 8, 28))
	if len(a) != len(b) || len(a) != 20 {
		t.Fatalf("%d and %d bars, want 20", len(b), len(a))
	}
	for i := range a {
		if want := scale(b[i].Close, 1, 4).Round(2); a[i].Close != want || a[i].Volume.V != 4*b[i].Volume.V {
			t.Errorf("%s: after the split close %v vol %d, want %v and %d", a[i].Date, a[i].Close, a[i].Volume.V, want, 4*b[i].Volume.V)
		}
	}
	over := after.Bars(market.SourceYahoo, "AAPL", d(2020, 8, 28), d(2020, 8, 31))
	if r := over[1].Close.Float64() / over[0].Close.Float64(); r < 0.9 || r > 1.1 {
		t.Errorf("adjusted series jumps %.3f across the split", r)
	}
}

func TestChartErrors(t *testing.T) {
	now := time.Date(2026, 9, 29, 22, 0, 0, 0, time.UTC)
	m := New(Options{Now: fixedNow(now), Unknown: []string{"GONE"}, Symbols: []Symbol{
		{Symbol: "NEWCO", Listed: d(2026, 9, 1)},
		{Symbol: "OLDCO", Delisted: d(2026, 6, 30)},
	}})
	tests := []struct {
		path   string
		status int
		code   string
		empty  bool
	}{
		{"/v8/finance/chart/GONE?range=5d", 404, "Not Found", false},
		{"/v8/finance/chart/OLDCO?range=5d", 404, "Not Found", false},
		{"/v8/finance/chart/005930?range=5d", 404, "Not Found", false}, // Yahoo needs the suffix
		{"/v8/finance/chart/NEWCO?period1=1735689600&period2=1750000000", 400, "Bad Request", false},
		{"/v8/finance/chart/NEWCO?period1=1789776000&period2=1789948800", 200, "", true}, // Sat..Sun
		{"/v8/finance/chart/NEWCO?range=5y", 200, "", false},
		{"/v8/finance/chart/NEWCO?range=1wk", 400, "Bad Request", false},
		{"/v8/finance/chart/NEWCO?range=5d&interval=1h", 400, "Bad Request", false},
	}
	for _, tt := range tests {
		status, doc := chartOf(t, m, tt.path)
		code := ""
		if doc.Chart.Error != nil {
			code = doc.Chart.Error.Code
		}
		if status != tt.status || code != tt.code {
			t.Errorf("%s = %d %q, want %d %q", tt.path, status, code, tt.status, tt.code)
		}
		if status == 200 && (doc.Chart.Result[0].Timestamp == nil) != tt.empty {
			t.Errorf("%s: timestamp key present = %v, want %v", tt.path, doc.Chart.Result[0].Timestamp != nil, !tt.empty)
		}
	}
	if got := m.Bars(market.SourceYahoo, "OLDCO", d(2026, 1, 1), d(2026, 12, 31)); got != nil {
		t.Errorf("Yahoo truth of a delisted symbol = %d bars, want none", len(got))
	}
	if got := m.Bars(market.SourceYahoo, "NEWCO", d(2026, 1, 1), d(2026, 12, 31)); len(got) == 0 || got[0].Date != d(2026, 9, 1) {
		t.Errorf("NEWCO starts %v, want 2026-09-01", got)
	}
}
