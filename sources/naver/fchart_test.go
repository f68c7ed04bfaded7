package naver

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/marketd/marketd/sources/httpx"
	"github.com/marketd/marketd/sources/market"
)

// serveBody answers every request with body and records the requests' URLs.
type serveBody struct {
	status      int
	contentType string
	body        []byte

	mu   sync.Mutex
	urls []*url.URL
}

func (h *serveBody) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	h.urls = append(h.urls, r.URL)
	h.mu.Unlock()
	if h.contentType != "" {
		w.Header().Set("Content-Type", h.contentType)
	}
	w.WriteHeader(max(h.status, http.StatusOK))
	w.Write(h.body)
}

func (h *serveBody) requests() []*url.URL {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]*url.URL(nil), h.urls...)
}

var fixtureBars = []market.Bar{
	ohlcv(20260923, 284500, 286500, 281000, 286500, 20864376),
	ohlcv(20260928, 284500, 285500, 268500, 270000, 21346064),
	ohlcv(20260929, 266000, 276000, 266000, 273500, 15498961),
}

func TestRecentFixture(t *testing.T) {
	raw := fixture(t, fixFChart)
	tests := []struct {
		name, contentType string
		h, m, s           int
		want              []market.Bar
	}{
		// colly must decode EUC-KR whatever the header says, or nothing.
		{"no charset, after settle", "text/xml", 19, 34, 0, fixtureBars},
		{"EUC-KR header", "text/xml; charset=EUC-KR", 19, 34, 0, fixtureBars},
		{"header claims UTF-8", "text/xml;charset=UTF-8", 19, 34, 0, fixtureBars},
		{"no content type", "", 19, 34, 0, fixtureBars},
		// Today's session is dropped until the 15:30 KST close.
		{"one second before the close", "text/xml", 15, 29, 59, fixtureBars[:2]},
		{"at the close", "text/xml", 15, 30, 0, fixtureBars},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &serveBody{contentType: tt.contentType, body: raw}
			src, _ := newTestSource(t, h, kst(t, 2026, 9, 29, tt.h, tt.m, tt.s), 0)
			got, err := src.Recent(context.Background(), inst("005930"), 3)
			if err != nil {
				t.Fatal(err)
			}
			if got.Key != (market.Key{Source: "naver", Symbol: "005930"}) || got.Currency != "KRW" {
				t.Errorf("key %v currency %q", got.Key, got.Currency)
			}
			if !reflect.DeepEqual(got.Bars, tt.want) {
				t.Errorf("bars\n got %+v\nwant %+v", got.Bars, tt.want)
			}
			if len(got.Notes) != 0 {
				t.Errorf("notes %+v", got.Notes)
			}
			reqs := h.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			want := url.Values{"symbol": {"005930"}, "timeframe": {"day"}, "count": {"4"}, "requestType": {"0"}}
			if reqs[0].Path != "/sise.nhn" || !reflect.DeepEqual(reqs[0].Query(), want) {
				t.Errorf("request %s, want /sise.nhn?%s", reqs[0], want.Encode())
			}
		})
	}
}

func TestRecentKeepsLastN(t *testing.T) {
	h := &serveBody{contentType: "text/xml", body: fixture(t, fixFChart)}
	src, _ := newTestSource(t, h, kst(t, 2026, 9, 30, 10, 0, 0), 0)
	got, err := src.Recent(context.Background(), inst("005930"), 2)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Bars, fixtureBars[1:]) {
		t.Errorf("bars %+v, want the last two", got.Bars)
	}
}

// The chart's name attribute proves the EUC-KR decoding of the real bytes.
func TestParseFChartFixture(t *testing.T) {
	got, err := parseFChart("005930", fromEUCKR(t, fixture(t, fixFChart)))
	if err != nil {
		t.Fatal(err)
	}
	if got.symbol != "005930" || got.name != "삼성전자" {
		t.Errorf("symbol %q name %q, want 005930 삼성전자", got.symbol, got.name)
	}
	if len(got.rows) != 3 {
		t.Fatalf("%d rows", len(got.rows))
	}
}

const fchartTemplate = "\n\n<?xml version=\"1.0\" encoding=\"EUC-KR\" ?>\n<protocol>\n\t<chartdata symbol=\"%s\" name=\"%s\" count=\"3\" timeframe=\"day\" precision=\"0\" origintime=\"19900103\">\n%s\t</chartdata>\n</protocol>\n"

func fchartBody(t testing.TB, code, name string, items ...string) []byte {
	var b strings.Builder
	for _, it := range items {
		b.WriteString("\t\t<item data=\"" + it + "\" />\n")
	}
	return eucKR(t, strings.Replace(strings.Replace(strings.Replace(fchartTemplate, "%s", code, 1), "%s", name, 1), "%s", b.String(), 1))
}

func TestRecentConstructed(t *testing.T) {
	now := kst(t, 2026, 10, 6, 16, 0, 0)
	tests := []struct {
		name      string
		code      string
		body      []byte
		want      []market.Bar
		wantNotes []market.Note
	}{{
		name: "letters in the code, leading blank lines",
		code: "0193T0",
		body: fchartBody(t, "0193T0", "테스트우", "20261005|10,050| 10100 |9950|10000|1,234"),
		want: []market.Bar{ohlcv(20261005, 10050, 10100, 9950, 10000, 1234)},
	}, {
		name: "halted day",
		code: "005930",
		body: fchartBody(t, "005930", "삼성전자", "20261002|270000|275000|268000|271000|100", "20261005|0|0|0|271000|0"),
		want: []market.Bar{ohlcv(20261002, 270000, 275000, 268000, 271000, 100), halted(20261005, 271000)},
		wantNotes: []market.Note{{Date: 20261005,
			Reason: "naver: trading halted (open, high, low 0 and volume 0); close carried over, open/high/low recorded as missing"}},
	}, {
		name: "descending and duplicated dates come out ascending and unique, the later row winning",
		code: "005930",
		body: fchartBody(t, "005930", "삼성전자", "20261005|3|3|3|3|3", "20261002|1|1|1|1|1", "20261005|4|4|4|4|4"),
		want: []market.Bar{ohlcv(20261002, 1, 1, 1, 1, 1), ohlcv(20261005, 4, 4, 4, 4, 4)},
	}, {
		name:      "a lone zero open is missing, not 0",
		code:      "005930",
		body:      fchartBody(t, "005930", "삼성전자", "20261005|0|275000|268000|271000|100"),
		want:      []market.Bar{{Date: 20261005, High: market.Some(krw(275000)), Low: market.Some(krw(268000)), Close: krw(271000), Volume: market.Some(int64(100))}},
		wantNotes: []market.Note{{Date: 20261005, Reason: "naver: open missing or 0; recorded as missing"}},
	}, {
		name:      "no close: skipped with a note",
		code:      "005930",
		body:      fchartBody(t, "005930", "삼성전자", "20261002|1|1|1|0|0", "20261005|2|2|2|2|2"),
		want:      []market.Bar{ohlcv(20261005, 2, 2, 2, 2, 2)},
		wantNotes: []market.Note{{Date: 20261002, Skipped: true, Reason: "naver: no close price"}},
	}, {
		name: "a bar dated after today is dropped",
		code: "005930",
		body: fchartBody(t, "005930", "삼성전자", "20261005|2|2|2|2|2", "20261007|3|3|3|3|3"),
		want: []market.Bar{ohlcv(20261005, 2, 2, 2, 2, 2)},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &serveBody{contentType: "text/xml", body: tt.body}
			src, _ := newTestSource(t, h, now, 0)
			got, err := src.Recent(context.Background(), inst(tt.code), 5)
			if err != nil {
				t.Fatal(err)
			}
			if got.Key.Symbol != tt.code {
				t.Errorf("symbol %q", got.Key.Symbol)
			}
			if !reflect.DeepEqual(got.Bars, tt.want) {
				t.Errorf("bars\n got %+v\nwant %+v", got.Bars, tt.want)
			}
			if !reflect.DeepEqual(got.Notes, tt.wantNotes) {
				t.Errorf("notes\n got %+v\nwant %+v", got.Notes, tt.wantNotes)
			}
			if q := h.requests()[0].Query().Get("symbol"); q != tt.code {
				t.Errorf("requested symbol %q", q)
			}
		})
	}
}

func TestRecentUnknownCode(t *testing.T) {
	for _, body := range []string{
		"<?xml version=\"1.0\" encoding=\"EUC-KR\" ?>\n<protocol />\n",
		"\n\n<?xml version=\"1.0\" encoding=\"EUC-KR\" ?><protocol><chartdata symbol=\"999999\" name=\"\"></chartdata></protocol>",
	} {
		h := &serveBody{contentType: "text/xml", body: []byte(body)}
		src, _ := newTestSource(t, h, kst(t, 2026, 10, 6, 16, 0, 0), 0)
		_, err := src.Recent(context.Background(), inst("999999"), 3)
		if !errors.Is(err, market.ErrNoData) || !strings.Contains(err.Error(), "999999") {
			t.Errorf("err = %v, want ErrNoData naming 999999", err)
		}
	}
}

func TestRecentMalformed(t *testing.T) {
	for name, body := range map[string][]byte{
		"not xml":      []byte("<html><body>점검중</body>"),
		"truncated":    fchartBody(t, "005930", "삼성전자", "20261005|1|1|1|1|1")[:120],
		"short item":   fchartBody(t, "005930", "삼성전자", "20261005|1|1|1"),
		"bad date":     fchartBody(t, "005930", "삼성전자", "2026105|1|1|1|1|1"),
		"bad number":   fchartBody(t, "005930", "삼성전자", "20261005|1|x|1|1|1"),
		"other symbol": fchartBody(t, "000660", "SK하이닉스", "20261005|1|1|1|1|1"),
	} {
		t.Run(name, func(t *testing.T) {
			h := &serveBody{contentType: "text/xml", body: body}
			src, _ := newTestSource(t, h, kst(t, 2026, 10, 6, 16, 0, 0), 0)
			_, err := src.Recent(context.Background(), inst("005930"), 3)
			var perr *ParseError
			if !errors.As(err, &perr) || perr.Endpoint != "fchart" || perr.Symbol != "005930" {
				t.Fatalf("err = %v, want a fchart ParseError for 005930", err)
			}
			if !strings.Contains(err.Error(), "naver fchart 005930: malformed response") {
				t.Errorf("message %q", err)
			}
			if httpx.IsTransient(err) || errors.Is(err, market.ErrNoData) {
				t.Errorf("a malformed body is permanent, not transient nor no-data: %v", err)
			}
		})
	}
}

// The fetcher turns the feed's EUC-KR bytes into UTF-8 whatever the
// Content-Type header claims: the chart's name comes out as 삼성전자.
func TestFChartDecodesEUCKR(t *testing.T) {
	for _, ct := range []string{"text/xml", "text/xml; charset=EUC-KR", "text/xml;charset=UTF-8", "application/octet-stream", ""} {
		t.Run(ct, func(t *testing.T) {
			h := &serveBody{contentType: ct, body: fixture(t, fixFChart)}
			src, _ := newTestSource(t, h, kst(t, 2026, 9, 29, 19, 34, 0), 0)
			body, err := src.newFetcher(context.Background()).get(endpointFChart, "005930", src.cfg.FChartURL+"/sise.nhn?symbol=005930", charsetEUCKR)
			if err != nil {
				t.Fatal(err)
			}
			got, err := parseFChart("005930", body)
			if err != nil {
				t.Fatal(err)
			}
			if got.name != "삼성전자" {
				t.Errorf("name %q, want 삼성전자", got.name)
			}
		})
	}
}
