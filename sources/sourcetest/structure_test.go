package sourcetest

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/transform"

	"github.com/marketd/marketd/sources/market"
)

// shape reduces a decoded JSON value to its structure: objects keep their
// keys, arrays the shape of their first non-null element, scalars their
// type. Objects keyed by timestamps (Yahoo's events) collapse to one key.
func shape(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		numeric := len(v) > 0
		for k := range v {
			if strings.Trim(k, "0123456789") != "" {
				numeric = false
			}
		}
		for k, x := range v {
			if numeric {
				k = "<timestamp>"
			}
			out[k] = shape(x)
		}
		return out
	case []any:
		for _, x := range v {
			if x != nil {
				return []any{shape(x)}
			}
		}
		return []any{}
	case string:
		return "string"
	case float64, json.Number:
		return "number"
	case bool:
		return "bool"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

// diffShapes lists the paths where two shapes differ.
func diffShapes(path string, got, want any) []string {
	gm, gok := got.(map[string]any)
	wm, wok := want.(map[string]any)
	if gok && wok {
		var out []string
		for k, w := range wm {
			g, ok := gm[k]
			if !ok {
				out = append(out, path+"."+k+": missing")
				continue
			}
			out = append(out, diffShapes(path+"."+k, g, w)...)
		}
		for k := range gm {
			if _, ok := wm[k]; !ok {
				out = append(out, path+"."+k+": not in the recording")
			}
		}
		return out
	}
	ga, gok := got.([]any)
	wa, wok := want.([]any)
	if gok && wok {
		if len(ga) == 0 || len(wa) == 0 {
			if len(ga) != len(wa) {
				return []string{fmt.Sprintf("%s: %d vs %d element shapes", path, len(ga), len(wa))}
			}
			return nil
		}
		return diffShapes(path+"[]", ga[0], wa[0])
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		return []string{fmt.Sprintf("%s: %v, recorded %v", path, got, want)}
	}
	return nil
}

func decodeJSON(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decoding %q: %v", b[:min(len(b), 200)], err)
	}
	return v
}

// Each simulated body has exactly the structure of the recorded one.
func TestJSONStructureMatchesRecordings(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	aapl := Options{
		Now: fixedNow(time.Date(2025, 2, 19, 16, 30, 0, 0, ny)),
		Symbols: []Symbol{{Symbol: "AAPL",
			Splits:    []Split{{Date: d(2020, 8, 31), Numerator: 4, Denominator: 1}},
			Dividends: []Dividend{{Date: d(2020, 11, 6), Amount: market.DecimalFromInt(205) / 1000}}}},
	}
	afterClose := fixedNow(time.Date(2026, 9, 29, 20, 28, 4, 0, seoul()))
	listed := Options{Now: afterClose, Unknown: []string{"999999"},
		Symbols: []Symbol{{Symbol: "005930"}, {Symbol: "000660"}, {Symbol: "0193T0"}, {Symbol: "247540.KQ"}}}
	// Fields Yahoo added after the AAPL recording (2025); the 2026 one has them.
	newer := []string{"regularMarketChangePercent", "fulldayPrice", "fulldayChange", "fulldayChangePercent"}
	tests := []struct {
		name    string
		opts    Options
		path    string
		fixture string
		drop    []string // meta fields the recording predates
	}{
		{"yahoo events", aapl, "/v8/finance/chart/AAPL?period1=1598832000&period2=1604707200&interval=1d&events=div,split",
			"chart_AAPL_1d_20200831_20201107_events.json", newer},
		{"yahoo range KRX", Options{Now: afterClose}, "/v8/finance/chart/373220.KS?range=5d&interval=1d",
			"chart_373220.KS_1d_range5d_20260929.json", nil},
		{"yahoo 404", Options{}, "/v8/finance/chart/NOSUCH.KS", "error_404_not_found.json", nil},
		{"yahoo 400", Options{Symbols: []Symbol{{Symbol: "AAPL", Listed: d(2025, 12, 1)}}},
			"/v8/finance/chart/AAPL?period1=1748703600&period2=1763564400&interval=1d", "error_400_bad_request_data_doesnt_exist.json", nil},
		{"polling", listed, "/api/realtime/domestic/stock/005930", "polling_realtime_domestic_stock_005930_20260929T2028KST.json", nil},
		{"polling unknown", listed, "/api/realtime/domestic/stock/999999", "polling_realtime_unknown_code_empty.json", nil},
		{"listing", listed, "/api/stocks/marketValue/KOSPI?page=1&pageSize=6", "naver_stocks_marketValue_KOSPI_p1_TRIMMED.json", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, body := get(t, New(tt.opts), tt.path)
			got := decodeJSON(t, body)
			if tt.drop != nil {
				meta := got.(map[string]any)["chart"].(map[string]any)["result"].([]any)[0].(map[string]any)["meta"].(map[string]any)
				for _, k := range tt.drop {
					if _, ok := meta[k]; !ok {
						t.Errorf("meta.%s missing", k)
					}
					delete(meta, k)
				}
			}
			want := decodeJSON(t, fixture(t, tt.fixture))
			if diff := diffShapes("", shape(got), shape(want)); len(diff) > 0 {
				slices.Sort(diff)
				t.Errorf("structure differs from %s:\n%s", tt.fixture, strings.Join(diff, "\n"))
			}
		})
	}
}

// The recorded error bodies are served byte for byte.
func TestErrorBodiesMatchRecordings(t *testing.T) {
	m := New(Options{Limits: map[string]Limit{GroupYahoo: {Requests: 1, Window: time.Hour}}})
	url, stop := m.Start()
	defer stop()
	tests := []struct {
		path, fixture string
		status        int
	}{
		{"/v8/finance/chart/NOSUCH.KQ?range=5d", "error_404_not_found.json", 404}, // spends the one request
		{"/v8/finance/chart/AAPL?range=5d", "error_429_too_many_requests.txt", 429},
		{"/item/sise_day.naver?code=005930&page=1", "sise_day_005930_p1_HTTP410_20260929.html", 410},
	}
	for _, tt := range tests {
		resp, err := http.Get(url + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status || !bytes.Equal(body, fixture(t, tt.fixture)) {
			t.Errorf("GET %s = %d %q, want %d and the body of %s", tt.path, resp.StatusCode, body, tt.status, tt.fixture)
		}
	}
}

// xmlShape lists the element paths and their attribute names.
func xmlShape(t *testing.T, euckr []byte) (paths []string, items []string, name string) {
	t.Helper()
	utf, _, err := transform.Bytes(korean.EUCKR.NewDecoder(), euckr)
	if err != nil {
		t.Fatal(err)
	}
	dec := xml.NewDecoder(bytes.NewReader(bytes.TrimLeft(utf, " \t\r\n")))
	dec.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil } // already UTF-8
	var stack []string
	seen := map[string]bool{}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("decoding XML: %v", err)
		}
		switch e := tok.(type) {
		case xml.StartElement:
			stack = append(stack, e.Name.Local)
			var attrs []string
			for _, a := range e.Attr {
				attrs = append(attrs, a.Name.Local)
				switch a.Name.Local {
				case "data":
					items = append(items, a.Value)
				case "name":
					name = a.Value
				}
			}
			p := strings.Join(stack, "/") + "[" + strings.Join(attrs, ",") + "]"
			if !seen[p] {
				seen[p] = true
				paths = append(paths, p)
			}
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
	return paths, items, name
}

func TestFChartStructureMatchesRecording(t *testing.T) {
	m := New(Options{Now: fixedNow(recorded)})
	resp, body := get(t, m, "/sise.nhn?symbol=005930&timeframe=day&count=3&requestType=0")
	gotPaths, gotItems, gotName := xmlShape(t, body)
	wantPaths, wantItems, wantName := xmlShape(t, fixture(t, "fchart_005930_day_count3_20260929T1934KST.DERIVED-euckr.xml"))
	if !slices.Equal(gotPaths, wantPaths) || gotName != wantName || resp.StatusCode != 200 {
		t.Errorf("fchart = %d %v name %q, recorded %v name %q", resp.StatusCode, gotPaths, gotName, wantPaths, wantName)
	}
	if len(gotItems) != len(wantItems) {
		t.Fatalf("%d items, recorded %d", len(gotItems), len(wantItems))
	}
	for i := range gotItems {
		g, w := strings.Split(gotItems[i], "|"), strings.Split(wantItems[i], "|")
		if len(g) != len(w) || g[0] != w[0] { // same fields, same sessions (Chuseok 09-24/25 closed)
			t.Errorf("item %d = %q, recorded %q", i, gotItems[i], wantItems[i])
		}
	}
}

// siseRows decodes the JavaScript array literal (single-quoted header).
func siseRows(t *testing.T, b []byte) [][]any {
	t.Helper()
	var rows [][]any
	if err := json.Unmarshal(bytes.ReplaceAll(b, []byte("'"), []byte(`"`)), &rows); err != nil {
		t.Fatalf("decoding siseJson %q: %v", b, err)
	}
	return rows
}

func TestSiseJSONStructureMatchesRecording(t *testing.T) {
	m := New(Options{Now: fixedNow(recorded)})
	for _, path := range []string{
		"/siseJson.nhn?symbol=005930&requestType=1&startTime=20260920&endTime=20260929&timeframe=day",
		"/siseJson.naver?symbol=005930&requestType=1&startTime=20260920&endTime=20260929&timeframe=day",
	} {
		_, body := get(t, m, path)
		got, want := siseRows(t, body), siseRows(t, fixture(t, "siseJson_005930_20260920_20260929_fchart-host.txt"))
		if len(got) != len(want) || fmt.Sprint(got[0]) != fmt.Sprint(want[0]) {
			t.Fatalf("%s: %d rows, header %v; recorded %d rows, header %v", path, len(got), got[0], len(want), want[0])
		}
		for i := 1; i < len(got); i++ {
			if len(got[i]) != len(want[i]) || got[i][0] != want[i][0] || fmt.Sprint(shape(got[i])) != fmt.Sprint(shape(want[i])) {
				t.Errorf("%s: row %v, recorded %v", path, got[i], want[i])
			}
		}
	}
}

// A drifted body no longer has the recorded structure: the comparison
// above would catch a format change.
func TestDriftBreaksStructure(t *testing.T) {
	m := New(Options{Now: fixedNow(recorded), Faults: map[string]Fault{GroupNaver: {Drift: 1}}})
	for _, tt := range []struct{ path, fixture string }{
		{"/api/realtime/domestic/stock/005930", "polling_realtime_domestic_stock_005930_20260929T2028KST.json"},
		{"/api/stocks/marketValue/KOSPI?page=1&pageSize=6", "naver_stocks_marketValue_KOSPI_p1_TRIMMED.json"},
	} {
		_, body := get(t, m, tt.path)
		if diff := diffShapes("", shape(decodeJSON(t, body)), shape(decodeJSON(t, fixture(t, tt.fixture)))); len(diff) == 0 {
			t.Errorf("%s: drifted body has the recorded structure", tt.path)
		}
	}
}
