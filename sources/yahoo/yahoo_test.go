package yahoo

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/marketd/marketd/sources/httpx"
	"github.com/marketd/marketd/sources/market"
)

// later is a "now" long after every fixture, so no bar is provisional.
var later = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

var (
	aapl   = market.Instrument{Key: market.Key{Source: market.SourceYahoo, Symbol: "AAPL"}, Market: market.XNYS}
	lgEnSo = market.Instrument{Key: market.Key{Source: market.SourceYahoo, Symbol: "373220.KS"}, Market: market.XKRX, Board: "KOSPI"}
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// site is a fake Yahoo host: it answers every request with one status and
// body and records the request URIs.
type site struct {
	mu     sync.Mutex
	uris   []string
	paths  []string
	status int
	body   []byte
}

func (s *site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.uris = append(s.uris, r.RequestURI)
	s.paths = append(s.paths, r.URL.Path)
	s.mu.Unlock()
	if s.status == http.StatusTooManyRequests {
		w.Header().Set("Content-Type", "text/plain")
	} else {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(s.status)
	w.Write(s.body)
}

// newSource serves status and body and returns a Source talking to it
// through a real httpx.Pool client.
func newSource(t *testing.T, status int, body []byte, now time.Time) (*Source, *site, *httpx.Pool) {
	t.Helper()
	st := &site{status: status, body: body}
	srv := httptest.NewServer(st)
	t.Cleanup(srv.Close)
	pool := httpx.NewPool(httpx.Config{
		MinBackoff:  time.Millisecond,
		MaxBackoff:  4 * time.Millisecond,
		MaxCooldown: 30 * time.Millisecond,
		MaxAttempts: 3,
	}, nil)
	src := New(Config{BaseURL: srv.URL, Now: func() time.Time { return now }}, pool.Client())
	return src, st, pool
}

func dec(t testing.TB, s string) market.Decimal {
	t.Helper()
	d, err := market.ParseDecimal(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// bar builds an expected bar; "" leaves a price invalid and vol < 0 the volume.
func bar(t testing.TB, date market.Date, o, h, l, c, adj string, vol int64) market.Bar {
	t.Helper()
	opt := func(s string) sql.Null[market.Decimal] {
		if s == "" {
			return sql.Null[market.Decimal]{}
		}
		return market.Some(dec(t, s))
	}
	b := market.Bar{Date: date, Open: opt(o), High: opt(h), Low: opt(l), Close: dec(t, c), AdjClose: opt(adj)}
	if vol >= 0 {
		b.Volume = market.Some(vol)
	}
	return b
}

func checkOrdered(t *testing.T, bars []market.Bar) {
	t.Helper()
	for i := 1; i < len(bars); i++ {
		if bars[i].Date <= bars[i-1].Date {
			t.Errorf("bars not ascending and unique: %s after %s", bars[i].Date, bars[i-1].Date)
		}
	}
}

func byDate(bars []market.Bar) map[market.Date]market.Bar {
	m := make(map[market.Date]market.Bar, len(bars))
	for _, b := range bars {
		m[b.Date] = b
	}
	return m
}

func TestSymbolFor(t *testing.T) {
	tests := []struct{ code, board, want string }{
		{"005930", "KOSPI", "005930.KS"},
		{"035720", "KOSDAQ", "035720.KQ"},
		{"0193T0", "kosdaq", "0193T0.KQ"}, // codes may hold letters
		{"005930.KS", "KOSPI", "005930.KS"},
		{"AAPL", "", "AAPL"},
		{"^KS11", "", "^KS11"},
		{"BRK-B", "NYSE", "BRK-B"},
		{"WSU.DE", "", "WSU.DE"},
	}
	for _, tt := range tests {
		if got := SymbolFor(tt.code, tt.board); got != tt.want {
			t.Errorf("SymbolFor(%q, %q) = %q, want %q", tt.code, tt.board, got, tt.want)
		}
	}
}

func TestRequestURL(t *testing.T) {
	empty := []byte(`{"chart":{"result":[{"meta":{"currency":"USD","exchangeTimezoneName":"America/New_York","priceHint":2},"indicators":{"quote":[{}]}}],"error":null}}`)
	// period1 is a day before from at 00:00 UTC, period2 two days after to:
	// 2020-08-30T00:00Z and 2020-11-08T00:00Z.
	const query = "?period1=1598745600&period2=1604793600&interval=1d&events=div%2Csplit&includeAdjustedClose=true"
	tests := []struct {
		symbol, prefix    string
		wantURI, wantPath string
	}{
		{"AAPL", "", "/v8/finance/chart/AAPL", "/v8/finance/chart/AAPL"},
		{"^KS11", "", "/v8/finance/chart/%5EKS11", "/v8/finance/chart/^KS11"},
		{"BRK-B", "", "/v8/finance/chart/BRK-B", "/v8/finance/chart/BRK-B"},
		{"WSU.DE", "", "/v8/finance/chart/WSU.DE", "/v8/finance/chart/WSU.DE"},
		{"A/B?C", "", "/v8/finance/chart/A%2FB%3FC", "/v8/finance/chart/A/B?C"},
		{"005930.KS", "/yahoo/", "/yahoo/v8/finance/chart/005930.KS", "/yahoo/v8/finance/chart/005930.KS"},
	}
	for _, tt := range tests {
		t.Run(tt.symbol, func(t *testing.T) {
			st := &site{status: 200, body: empty}
			srv := httptest.NewServer(st)
			defer srv.Close()
			src := New(Config{BaseURL: srv.URL + tt.prefix, Now: func() time.Time { return later }}, httpx.NewPool(httpx.Config{}, nil).Client())
			inst := market.Instrument{Key: market.Key{Source: market.SourceYahoo, Symbol: tt.symbol}}
			s, err := src.Fetch(context.Background(), inst, 20200831, 20201106)
			if err != nil {
				t.Fatal(err)
			}
			if len(s.Bars) != 0 || s.Currency != "USD" || s.Key != inst.Key {
				t.Errorf("Series = %+v", s)
			}
			if len(st.uris) != 1 || st.uris[0] != tt.wantURI+query || st.paths[0] != tt.wantPath {
				t.Errorf("requested %q (path %q), want %q (path %q)", st.uris, st.paths, tt.wantURI+query, tt.wantPath)
			}
		})
	}
}

func TestFetchAAPL(t *testing.T) {
	src, _, _ := newSource(t, 200, readFixture(t, "chart_AAPL_1d_20200831_20201107_events.json"), later)
	s, err := src.Fetch(context.Background(), aapl, 20200831, 20201106)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Bars) != 49 || s.Bars[0].Date != 20200831 || s.Bars[48].Date != 20201106 {
		t.Fatalf("%d bars from %s to %s, want 49 from 2020-08-31 to 2020-11-06", len(s.Bars), s.Bars[0].Date, s.Bars[len(s.Bars)-1].Date)
	}
	checkOrdered(t, s.Bars)
	if s.Currency != "USD" || s.Key != aapl.Key || len(s.Notes) != 0 {
		t.Errorf("Currency %q, Key %v, Notes %v", s.Currency, s.Key, s.Notes)
	}
	got := byDate(s.Bars)
	for _, want := range []market.Bar{
		bar(t, 20200831, "127.58", "131", "126", "129.04", "125.83", 225702700), // the split day
		bar(t, 20200901, "132.76", "134.8", "130.53", "134.18", "130.84", 151948100),
		bar(t, 20200911, "114.57", "115.23", "110", "112", "109.21", 180860300), // whole floats without ".0"
		bar(t, 20200914, "114.72", "115.93", "112.8", "115.36", "112.49", 140150100),
		bar(t, 20201030, "111.06", "111.99", "107.72", "108.86", "106.15", 190272600), // last Friday on EDT
		bar(t, 20201102, "109.11", "110.68", "107.32", "108.77", "106.06", 122866900), // first Monday on EST
		bar(t, 20201106, "118.32", "119.2", "116.13", "118.69", "115.93", 114457900),  // ex-dividend
	} {
		if got[want.Date] != want {
			t.Errorf("bar %s = %+v\nwant %+v", want.Date, got[want.Date], want)
		}
	}
	wantActions := []market.Action{
		{Date: 20200831, Kind: market.Split, Numerator: dec(t, "4"), Denominator: dec(t, "1")},
		{Date: 20201106, Kind: market.Dividend, Amount: dec(t, "0.205")},
	}
	if !reflect.DeepEqual(s.Actions, wantActions) {
		t.Errorf("Actions = %+v\nwant %+v", s.Actions, wantActions)
	}
}

// TestFetchFiltersTheWindow: the request asks Yahoo for a wider UTC window;
// only bars and actions dated inside from..to come back.
func TestFetchFiltersTheWindow(t *testing.T) {
	src, _, _ := newSource(t, 200, readFixture(t, "chart_AAPL_1d_20200831_20201107_events.json"), later)
	s, err := src.Fetch(context.Background(), aapl, 20200901, 20201105)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Bars) != 47 || s.Bars[0].Date != 20200901 || s.Bars[46].Date != 20201105 || len(s.Actions) != 0 {
		t.Errorf("%d bars %s..%s and %d actions, want 47 bars 2020-09-01..2020-11-05 and none",
			len(s.Bars), s.Bars[0].Date, s.Bars[len(s.Bars)-1].Date, len(s.Actions))
	}
}

func TestFetchKRX(t *testing.T) {
	src, _, _ := newSource(t, 200, readFixture(t, "chart_373220.KS_1d_range5d_20260929.json"), later)
	s, err := src.Fetch(context.Background(), lgEnSo, 20260921, 20260929)
	if err != nil {
		t.Fatal(err)
	}
	// Stamped 00:00Z = 09:00 KST: the same civil date in Seoul (New York
	// would say the day before). Chuseok (24-26 Sep) has no bars.
	want := []market.Bar{
		bar(t, 20260921, "365000", "365500", "351500", "352000", "352000", 314679),
		bar(t, 20260922, "358000", "359500", "348000", "350500", "350500", 259262),
		bar(t, 20260923, "353500", "359000", "349500", "351500", "351500", 222728),
		bar(t, 20260928, "352000", "368000", "350500", "364000", "364000", 321270),
		bar(t, 20260929, "359000", "359000", "348500", "352500", "352500", 277517),
	}
	if !reflect.DeepEqual(s.Bars, want) {
		t.Errorf("Bars = %+v\nwant %+v", s.Bars, want)
	}
	if s.Currency != "KRW" || len(s.Actions) != 0 || len(s.Notes) != 0 {
		t.Errorf("Currency %q, Actions %v, Notes %v", s.Currency, s.Actions, s.Notes)
	}
}

// chart builds a response body. Quote columns and adjclose are given as
// []any so that nil writes a JSON null; a nil map leaves indicators empty.
func chart(meta map[string]any, ts []any, q map[string][]any, adj []any) []byte {
	res := map[string]any{"meta": meta}
	if ts != nil {
		res["timestamp"] = ts
	}
	ind := map[string]any{"quote": []any{q}}
	if adj != nil {
		ind["adjclose"] = []any{map[string]any{"adjclose": adj}}
	}
	res["indicators"] = ind
	b, err := json.Marshal(map[string]any{"chart": map[string]any{"result": []any{res}, "error": nil}})
	if err != nil {
		panic(err)
	}
	return b
}

func nyMeta() map[string]any {
	return map[string]any{"currency": "USD", "exchangeTimezoneName": "America/New_York", "gmtoffset": -18000, "priceHint": 2}
}

func TestTradingDate(t *testing.T) {
	tests := []struct {
		name  string
		meta  map[string]any
		stamp int64
		want  market.Date
	}{
		// 2026-09-20T16:00Z is 01:00 on the 21st in Seoul; gmtoffset (here
		// deliberately New York's) and UTC would both say the 20th.
		{"Seoul, not gmtoffset", map[string]any{"currency": "KRW", "exchangeTimezoneName": "Asia/Seoul", "gmtoffset": -18000, "priceHint": 0},
			1789920000, 20260921},
		// 2020-10-30T04:30Z is 00:30 EDT on the 30th; the request-time
		// gmtoffset of -5h (EST) would put it at 23:30 on the 29th.
		{"New York on EDT with an EST gmtoffset", nyMeta(), 1604032200, 20201030},
		// 2020-11-02T05:30Z is 00:30 EST on the 2nd.
		{"New York on EST", nyMeta(), 1604295000, 20201102},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			one := []any{10.0}
			body := chart(tt.meta, []any{tt.stamp}, map[string][]any{"open": one, "high": one, "low": one, "close": one, "volume": {5}}, one)
			s, err := decode(body, window{symbol: "X", from: 20000101, to: 20991231, now: later})
			if err != nil {
				t.Fatal(err)
			}
			if len(s.Bars) != 1 || s.Bars[0].Date != tt.want {
				t.Errorf("bars %+v, want one dated %s", s.Bars, tt.want)
			}
		})
	}
}

func TestNulls(t *testing.T) {
	// Four New York sessions, 2020-10-26..29, stamped at 09:30 EDT.
	ts := []any{1603719000, 1603805400, 1603891800, 1603978200}
	body := chart(nyMeta(), ts, map[string][]any{
		"open":   {115.01, 116.2, nil, 112.37},
		"high":   {116.55, 117.28, 115.43, 116.93},
		"low":    {112.88, 114.54, 111.1, 112.2},
		"close":  {115.05, nil, 111.2, 115.32},
		"volume": {111850700, 92276800, nil, 146129200},
	}, []any{112.19, 113.7, 108.43, nil})
	s, err := decode(body, window{symbol: "AAPL", from: 20201026, to: 20201029, now: later})
	if err != nil {
		t.Fatal(err)
	}
	wantBars := []market.Bar{
		bar(t, 20201026, "115.01", "116.55", "112.88", "115.05", "112.19", 111850700),
		bar(t, 20201028, "", "115.43", "111.1", "111.2", "108.43", -1),
		bar(t, 20201029, "112.37", "116.93", "112.2", "115.32", "", 146129200),
	}
	if !reflect.DeepEqual(s.Bars, wantBars) {
		t.Errorf("Bars = %+v\nwant %+v", s.Bars, wantBars)
	}
	wantNotes := []market.Note{
		{Date: 20201027, Skipped: true, Reason: "close is null; row skipped"},
		{Date: 20201028, Reason: "open, volume null; kept as missing"},
		{Date: 20201029, Reason: "adjclose null; kept as missing"},
	}
	if !reflect.DeepEqual(s.Notes, wantNotes) {
		t.Errorf("Notes = %+v\nwant %+v", s.Notes, wantNotes)
	}
}

func TestHaltedSession(t *testing.T) {
	// 2020-10-27 did not trade: one price, no volume. A day with one price
	// and volume is a real (if quiet) session and stays as it is.
	ts := []any{1603719000, 1603805400, 1603891800}
	body := chart(nyMeta(), ts, map[string][]any{
		"open":   {115.01, 115.05, 111.2},
		"high":   {116.55, 115.05, 111.2},
		"low":    {112.88, 115.05, 111.2},
		"close":  {115.05, 115.05, 111.2},
		"volume": {111850700, 0, 100},
	}, []any{112.19, 112.19, 108.43})
	s, err := decode(body, window{symbol: "AAPL", from: 20201026, to: 20201028, now: later})
	if err != nil {
		t.Fatal(err)
	}
	halt := bar(t, 20201027, "", "", "", "115.05", "112.19", 0)
	halt.Halted = true
	wantBars := []market.Bar{
		bar(t, 20201026, "115.01", "116.55", "112.88", "115.05", "112.19", 111850700),
		halt,
		bar(t, 20201028, "111.2", "111.2", "111.2", "111.2", "108.43", 100),
	}
	if !reflect.DeepEqual(s.Bars, wantBars) {
		t.Errorf("Bars = %+v\nwant %+v", s.Bars, wantBars)
	}
	wantNotes := []market.Note{{Date: 20201027, Reason: "no volume and one price: stored as a halt"}}
	if !reflect.DeepEqual(s.Notes, wantNotes) {
		t.Errorf("Notes = %+v\nwant %+v", s.Notes, wantNotes)
	}
}

func TestEmptyWindow(t *testing.T) {
	// What Yahoo sends for a window with no sessions: no timestamp key.
	body := chart(nyMeta(), nil, map[string][]any{}, nil)
	if strings.Contains(string(body), "timestamp") {
		t.Fatal("test body has a timestamp key")
	}
	src, _, _ := newSource(t, 200, body, later)
	s, err := src.Fetch(context.Background(), aapl, 20201107, 20201108)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Bars) != 0 || len(s.Actions) != 0 || len(s.Notes) != 0 || s.Currency != "USD" {
		t.Errorf("Series = %+v, want an empty USD series", s)
	}
}

// TestShuffledQuoteKeys: the KRX fixture with its quote keys in another
// order decodes to the same bars.
func TestShuffledQuoteKeys(t *testing.T) {
	orig := readFixture(t, "chart_373220.KS_1d_range5d_20260929.json")
	const inOrder = `"quote":[{"high":[365500.0,359500.0,359000.0,368000.0,359000.0],"close":[352000.0,350500.0,351500.0,364000.0,352500.0],"low":[351500.0,348000.0,349500.0,350500.0,348500.0],"open":[365000.0,358000.0,353500.0,352000.0,359000.0],"volume":[314679,259262,222728,321270,277517]}]`
	const shuffled = `"quote":[{"volume":[314679,259262,222728,321270,277517],"open":[365000.0,358000.0,353500.0,352000.0,359000.0],"low":[351500.0,348000.0,349500.0,350500.0,348500.0],"high":[365500.0,359500.0,359000.0,368000.0,359000.0],"close":[352000.0,350500.0,351500.0,364000.0,352500.0]}]`
	if !strings.Contains(string(orig), inOrder) {
		t.Fatal("fixture quote not found")
	}
	w := window{symbol: "373220.KS", from: 20260921, to: 20260929, now: later}
	want, err := decode(orig, w)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decode([]byte(strings.Replace(string(orig), inOrder, shuffled, 1)), w)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Bars) != 5 || !reflect.DeepEqual(got, want) {
		t.Errorf("shuffled keys gave %+v\nwant %+v", got.Bars, want.Bars)
	}
}

func TestDuplicateAndUnorderedRows(t *testing.T) {
	q := map[string][]any{
		"open":   {111.0, 115.0, 116.0, 111.0},
		"high":   {115.0, 116.0, 117.0, 116.0},
		"low":    {111.0, 112.0, 114.0, 110.0},
		"close":  {112.0, 115.0, 116.5, 111.25},
		"volume": {100, 200, 300, 400},
	}
	nullLast := map[string][]any{}
	for k, v := range q {
		nullLast[k] = v
	}
	nullLast["close"] = []any{112.0, 115.0, 116.5, nil}
	// Rows out of order, and 2020-10-28 twice: the day's bar at 09:30 and a
	// later live row at 16:00.
	ts := []any{1603891800, 1603719000, 1603805400, 1603915200}
	first := []market.Bar{
		bar(t, 20201026, "115", "116", "112", "115", "", 200),
		bar(t, 20201027, "116", "117", "114", "116.5", "", 300),
	}
	tests := []struct {
		name string
		q    map[string][]any
		last market.Bar
	}{
		{"the later row wins", q, bar(t, 20201028, "111", "116", "110", "111.25", "", 400)},
		{"a later row without a close does not replace a bar", nullLast, bar(t, 20201028, "111", "115", "111", "112", "", 100)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := decode(chart(nyMeta(), ts, tt.q, nil), window{symbol: "AAPL", from: 20201026, to: 20201028, now: later})
			if err != nil {
				t.Fatal(err)
			}
			want := append(append([]market.Bar(nil), first...), tt.last)
			if !reflect.DeepEqual(s.Bars, want) || len(s.Notes) != 0 {
				t.Errorf("Bars = %+v, Notes = %v\nwant %+v and no notes", s.Bars, s.Notes, want)
			}
		})
	}
}

func TestPricePrecision(t *testing.T) {
	krx, err := market.LookupMarket(market.XKRX)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name                     string
		currency, exchange, kind string         // meta.currency, exchangeName, instrumentType
		hint                     any            // nil: no priceHint in meta
		market                   *market.Market // the stored instrument's market
		storedType               string         // the stored instrument's type
		price                    float64
		want                     string
	}{
		{"priceHint 2", "USD", "NMS", "EQUITY", 2, nil, "", 129.0399932861328, "129.04"},
		{"priceHint 4", "USD", "NMS", "EQUITY", 4, nil, "", 0.12345678, "0.1235"},
		{"priceHint 0", "USD", "NMS", "EQUITY", 0, nil, "", 129.5, "130"},
		{"no priceHint", "USD", "NMS", "EQUITY", nil, nil, "", 129.0399932861328, "129.04"},
		{"KRX shares are whole won whatever the hint", "KRW", "KSC", "EQUITY", 2, nil, "", 351234.56, "351235"},
		{"KOSDAQ shares too", "KRW", "KOE", "EQUITY", 2, nil, "", 351234.56, "351235"},
		{"KRX ETFs too", "KRW", "KSC", "ETF", 2, nil, "", 10234.5, "10235"},
		{"a KRW index keeps its decimals", "KRW", "KSC", "INDEX", 2, nil, "", 46539.140625, "46539.14"},
		{"a stored index without instrumentType in meta", "KRW", "", "", 2, &krx, market.TypeIndex, 46539.140625, "46539.14"},
		{"a stored share without instrumentType in meta", "KRW", "", "", 2, &krx, "", 351234.56, "351235"},
		{"a KRW FX quote keeps priceHint 4", "KRW", "CCY", "CURRENCY", 4, nil, "", 1380.5599365234375, "1380.5599"},
		{"crypto at priceHint 8", "USD", "CCC", "CRYPTOCURRENCY", 8, nil, "", 0.000012345678, "0.00001235"},
		{"priceHint above eight is held to eight", "USD", "CCC", "CRYPTOCURRENCY", 10, nil, "", 0.000012345678, "0.00001235"},
		{"Tokyo follows priceHint: 0.1 yen", "JPY", "JPX", "EQUITY", 1, nil, "", 2999.5, "2999.5"},
		{"an unregistered exchange follows priceHint", "PLN", "WSE", "EQUITY", 2, nil, "", 43.2100009918, "43.21"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			meta := map[string]any{"currency": tt.currency, "exchangeTimezoneName": "America/New_York"}
			if tt.exchange != "" {
				meta["exchangeName"] = tt.exchange
			}
			if tt.kind != "" {
				meta["instrumentType"] = tt.kind
			}
			if tt.hint != nil {
				meta["priceHint"] = tt.hint
			}
			p := []any{tt.price}
			body := chart(meta, []any{1604327400}, map[string][]any{"open": p, "high": p, "low": p, "close": p, "volume": {1}}, p)
			s, err := decode(body, window{symbol: "X", from: 20201102, to: 20201102, now: later, market: tt.market, typ: tt.storedType})
			if err != nil {
				t.Fatal(err)
			}
			want := bar(t, 20201102, tt.want, tt.want, tt.want, tt.want, tt.want, 1)
			if len(s.Bars) != 1 || s.Bars[0] != want || s.Currency != tt.currency {
				t.Errorf("Bars = %+v, want %+v", s.Bars, want)
			}
		})
	}
}

func TestTodaysBarOnlyAfterTheClose(t *testing.T) {
	orig := readFixture(t, "chart_373220.KS_1d_range5d_20260929.json")
	// The same body without meta.currentTradingPeriod, so the exchange's
	// closing time (15:30 KST) has to decide.
	var m map[string]any
	if err := json.Unmarshal(orig, &m); err != nil {
		t.Fatal(err)
	}
	delete(m["chart"].(map[string]any)["result"].([]any)[0].(map[string]any)["meta"].(map[string]any), "currentTradingPeriod")
	noPeriod, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	kst := time.FixedZone("KST", 9*3600)
	unknown := market.Instrument{Key: lgEnSo.Key} // no market: no closing time to fall back on
	tests := []struct {
		name     string
		body     []byte
		inst     market.Instrument
		now      time.Time
		wantLast market.Date
	}{
		// regular.end in the body is 1790661600 = 15:00 KST on the 29th.
		{"recorded at 15:30:29, after regular.end", orig, lgEnSo, time.Unix(1790663429, 0), 20260929},
		{"exactly at regular.end", orig, lgEnSo, time.Unix(1790661600, 0), 20260929},
		{"during the session", orig, lgEnSo, time.Date(2026, 9, 29, 11, 0, 0, 0, kst), 20260928},
		{"a second before regular.end", orig, lgEnSo, time.Unix(1790661599, 0), 20260928},
		{"before the open", orig, lgEnSo, time.Date(2026, 9, 29, 8, 0, 0, 0, kst), 20260928},
		{"the next day", orig, lgEnSo, time.Date(2026, 9, 30, 1, 0, 0, 0, kst), 20260929},
		{"no period, before the KRX close", noPeriod, lgEnSo, time.Date(2026, 9, 29, 15, 29, 0, 0, kst), 20260928},
		{"no period, after the KRX close", noPeriod, lgEnSo, time.Date(2026, 9, 29, 15, 30, 0, 0, kst), 20260929},
		{"no period, unknown market", noPeriod, unknown, time.Date(2026, 9, 29, 23, 0, 0, 0, kst), 20260928},
		{"no period, unknown market, next day", noPeriod, unknown, time.Date(2026, 9, 30, 0, 0, 0, 0, kst), 20260929},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, _, _ := newSource(t, 200, tt.body, tt.now)
			s, err := src.Fetch(context.Background(), tt.inst, 20260921, 20260929)
			if err != nil {
				t.Fatal(err)
			}
			wantLen := 4
			if tt.wantLast == 20260929 {
				wantLen = 5
			}
			if len(s.Bars) != wantLen || s.Bars[len(s.Bars)-1].Date != tt.wantLast {
				t.Errorf("%d bars ending %s, want %d ending %s", len(s.Bars), s.Bars[len(s.Bars)-1].Date, wantLen, tt.wantLast)
			}
			if len(s.Notes) != 0 {
				t.Errorf("Notes = %v", s.Notes)
			}
		})
	}
}

func TestMalformedResponses(t *testing.T) {
	one := []any{1.0}
	ok := map[string][]any{"open": one, "high": one, "low": one, "close": one, "volume": one}
	with := func(col string, v []any) map[string][]any {
		q := map[string][]any{}
		for k, x := range ok {
			q[k] = x
		}
		if v == nil {
			delete(q, col)
		} else {
			q[col] = v
		}
		return q
	}
	ts := []any{1604327400}
	tests := []struct {
		name      string
		body      []byte
		transient bool
		mention   string
	}{
		{"short close", chart(nyMeta(), ts, with("close", []any{}), nil), false, "close has 0 values for 1 timestamps"},
		{"long volume", chart(nyMeta(), ts, with("volume", []any{1, 2}), nil), false, "volume has 2 values"},
		{"no open column", chart(nyMeta(), ts, with("open", nil), nil), false, "open has 0 values"},
		{"short adjclose", chart(nyMeta(), ts, ok, []any{1.0, 2.0}), false, "adjclose has 2 values"},
		{"no quote", []byte(`{"chart":{"result":[{"meta":{"exchangeTimezoneName":"America/New_York"},"timestamp":[1604327400],"indicators":{"quote":[]}}]}}`), false, "no indicators.quote"},
		{"null timestamp", chart(nyMeta(), []any{nil}, ok, nil), false, "timestamp[0] is null"},
		{"no time zone", chart(map[string]any{"currency": "USD", "gmtoffset": -18000}, ts, ok, nil), false, "exchangeTimezoneName"},
		{"host zone", chart(map[string]any{"exchangeTimezoneName": "Local"}, ts, ok, nil), false, "exchangeTimezoneName"},
		{"unknown time zone", chart(map[string]any{"exchangeTimezoneName": "Mars/Olympus"}, ts, ok, nil), false, "exchangeTimezoneName"},
		{"huge price", chart(nyMeta(), ts, with("high", []any{1e300}), nil), false, "high on 2020-11-02"},
		{"neither result nor error", []byte(`{"chart":{"result":null,"error":null}}`), false, "neither"},
		{"dividend without amount", []byte(`{"chart":{"result":[{"meta":{"exchangeTimezoneName":"America/New_York"},"events":{"dividends":{"1604673000":{"date":1604673000}}}}]}}`), false, "no amount"},
		{"zero split", []byte(`{"chart":{"result":[{"meta":{"exchangeTimezoneName":"America/New_York"},"events":{"splits":{"1598880600":{"date":1598880600,"numerator":4,"denominator":0}}}}]}}`), false, "split on 2020-08-31"},
		{"cut off", []byte(`{"chart":{"result":[{"meta":{"curr`), true, "unexpected end"},
		{"html", []byte(`<html>oops</html>`), true, "invalid character"},
		{"string price", []byte(`{"chart":{"result":[{"timestamp":[1604327400],"indicators":{"quote":[{"close":["1"]}]}}]}}`), true, "cannot unmarshal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, _, _ := newSource(t, 200, tt.body, later)
			_, err := src.Fetch(context.Background(), aapl, 20200801, 20201231)
			if !errors.Is(err, errMalformed) {
				t.Fatalf("err = %v, want a malformed-response error", err)
			}
			if httpx.IsTransient(err) != tt.transient {
				t.Errorf("IsTransient = %v, want %v", !tt.transient, tt.transient)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, "yahoo AAPL: ") || !strings.Contains(msg, tt.mention) {
				t.Errorf("err = %q, want it to name AAPL and mention %q", msg, tt.mention)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		body     []byte
		want     error
		notWant  error
		wantHits int
	}{
		{"404 not found", 404, readFixture(t, "error_404_not_found.json"), market.ErrNotFound, nil, 1},
		{"400 data doesn't exist", 400, readFixture(t, "error_400_bad_request_data_doesnt_exist.json"), market.ErrNoData, nil, 1},
		{"429", 429, readFixture(t, "error_429_too_many_requests.txt"), httpx.ErrRateLimited, market.ErrNotFound, 0},
		{"503", 503, []byte("upstream"), httpx.ErrTransient, nil, 3},
		{"404 without a chart error", 404, []byte("<html>no such path</html>"), nil, market.ErrNotFound, 1},
		{"400 of another kind", 400, []byte(`{"chart":{"result":null,"error":{"code":"Bad Request","description":"Invalid input - interval=1x is not supported"}}}`), nil, market.ErrNoData, 1},
		{"200 with a chart error", 200, readFixture(t, "error_404_not_found.json"), market.ErrNotFound, nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, st, pool := newSource(t, tt.status, tt.body, later)
			_, err := src.Fetch(context.Background(), aapl, 20200831, 20201106)
			if err == nil {
				t.Fatal("no error")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
			if tt.notWant != nil && errors.Is(err, tt.notWant) {
				t.Errorf("err = %v, must not be %v", err, tt.notWant)
			}
			if !strings.HasPrefix(err.Error(), "yahoo AAPL: ") {
				t.Errorf("err = %q does not name the symbol first", err)
			}
			if tt.wantHits > 0 && len(st.uris) != tt.wantHits {
				t.Errorf("server saw %d requests, want %d", len(st.uris), tt.wantHits)
			}
			if tt.status >= 400 && tt.status != 429 && tt.want == nil {
				var serr *httpx.StatusError
				if !errors.As(err, &serr) || serr.Code != tt.status {
					t.Errorf("err = %v, want the transport's StatusError %d", err, tt.status)
				}
			}
			if tt.status == 429 {
				// Once the transport gives up, the next symbol fails fast.
				sent := len(st.uris)
				_, err := src.Fetch(context.Background(), lgEnSo, 20260921, 20260929)
				if !errors.Is(err, httpx.ErrRateLimited) || len(st.uris) != sent {
					t.Errorf("next fetch: %v after %d more requests", err, len(st.uris)-sent)
				}
				if pool.Total().Throttled != int64(sent) {
					t.Errorf("Throttled = %d, want %d", pool.Total().Throttled, sent)
				}
			}
		})
	}
}

func TestFetchRejectsBadInput(t *testing.T) {
	src, st, _ := newSource(t, 200, nil, later)
	tests := []struct {
		name     string
		inst     market.Instrument
		from, to market.Date
		mention  string
	}{
		{"no symbol", market.Instrument{}, 20200101, 20200102, "no symbol"},
		{"naver instrument", market.Instrument{Key: market.Key{Source: market.SourceNaver, Symbol: "005930"}}, 20200101, 20200102, `source "naver"`},
		{"reversed window", aapl, 20200102, 20200101, "invalid window 2020-01-02..2020-01-01"},
		{"no from", aapl, 0, 20200101, "invalid window"},
	}
	for _, tt := range tests {
		_, err := src.Fetch(context.Background(), tt.inst, tt.from, tt.to)
		if err == nil || !strings.Contains(err.Error(), tt.mention) {
			t.Errorf("%s: err = %v, want it to mention %q", tt.name, err, tt.mention)
		}
	}
	if len(st.uris) != 0 {
		t.Errorf("bad input reached the server %d times", len(st.uris))
	}
}

func TestFetchContextCancelled(t *testing.T) {
	src, _, _ := newSource(t, 503, nil, later)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := src.Fetch(ctx, aapl, 20200831, 20201106); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func FuzzDecode(f *testing.F) {
	for _, name := range []string{
		"chart_AAPL_1d_20200831_20201107_events.json",
		"chart_373220.KS_1d_range5d_20260929.json",
		"error_400_bad_request_data_doesnt_exist.json",
		"error_404_not_found.json",
		"error_429_too_many_requests.txt",
	} {
		f.Add(readFixture(f, name))
	}
	f.Add([]byte(`{"chart":{"result":[{"meta":{"exchangeTimezoneName":"Asia/Seoul","priceHint":0},"timestamp":[1,null],"indicators":{"quote":[{"close":[null,1]}]}}]}}`))
	kst := time.FixedZone("KST", 9*3600)
	f.Fuzz(func(t *testing.T, body []byte) {
		s, err := decode(body, window{symbol: "F", from: 19700101, to: 20991231, now: time.Date(2026, 9, 29, 12, 0, 0, 0, kst)})
		if err != nil {
			return
		}
		for i := 1; i < len(s.Bars); i++ {
			if s.Bars[i].Date <= s.Bars[i-1].Date {
				t.Fatalf("bars out of order: %s after %s", s.Bars[i].Date, s.Bars[i-1].Date)
			}
		}
	})
}

// An answer whose meta.symbol is another symbol fails the instrument: it
// was stored under the symbol asked for.
func TestAnswerForAnotherSymbol(t *testing.T) {
	one := []any{1.0}
	q := map[string][]any{"open": one, "high": one, "low": one, "close": one, "volume": one}
	for _, tt := range []struct {
		symbol string
		want   string // "" = accepted
	}{
		{"MSFT", `yahoo AAPL: answer for another symbol "MSFT"`},
		{"aapl", `yahoo AAPL: answer for another symbol "aapl"`},
		{"AAPL", ""},
	} {
		meta := nyMeta()
		meta["symbol"] = tt.symbol
		src, _, _ := newSource(t, 200, chart(meta, []any{1604327400}, q, nil), later)
		s, err := src.Fetch(context.Background(), aapl, 20200801, 20201231)
		switch {
		case tt.want == "" && (err != nil || len(s.Bars) != 1):
			t.Errorf("meta.symbol %q: %d bars, %v; want the bar", tt.symbol, len(s.Bars), err)
		case tt.want != "" && (!errors.Is(err, ErrWrongSymbol) || err.Error() != tt.want || len(s.Bars) != 0):
			t.Errorf("meta.symbol %q: %d bars, %v; want %q (ErrWrongSymbol)", tt.symbol, len(s.Bars), err, tt.want)
		}
	}
}

// TestZeroPlaceholders: a 0 open, high or low beside a positive close is
// Yahoo's placeholder (some indices' bars), stored as missing and noted
// apart from the nulls.
func TestZeroPlaceholders(t *testing.T) {
	q := map[string][]any{"open": {0.0}, "high": {0.0}, "low": {95.5}, "close": {100.25}, "volume": {nil}}
	s, err := decode(chart(nyMeta(), []any{1604327400}, q, []any{100.25}), window{symbol: "^X", from: 20201102, to: 20201102, now: later})
	if err != nil {
		t.Fatal(err)
	}
	want := []market.Bar{bar(t, 20201102, "", "", "95.5", "100.25", "100.25", -1)}
	notes := []market.Note{{Date: 20201102, Reason: "volume null; open, high 0 beside a close; kept as missing"}}
	if !reflect.DeepEqual(s.Bars, want) || !reflect.DeepEqual(s.Notes, notes) {
		t.Errorf("Bars = %+v, Notes = %+v\nwant %+v, %+v", s.Bars, s.Notes, want, notes)
	}
}
