package naver

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/text/encoding/korean"

	"github.com/marketd/marketd/sources/httpx"
	"github.com/marketd/marketd/sources/market"
)

// Recorded responses (copied from ../shared/fixtures/naver).
const (
	fixFChart   = "fchart_005930_day_count3_20260929T1934KST.DERIVED-euckr.xml"
	fixSiseJSON = "siseJson_005930_20260920_20260929_fchart-host.txt"
	fixPolling  = "polling_realtime_domestic_stock_005930_20260929T2028KST.json"
	fixEmpty    = "polling_realtime_unknown_code_empty.json"
	fixListing  = "naver_stocks_marketValue_KOSPI_p1_TRIMMED.json"
	fixGone     = "sise_day_005930_p1_HTTP410_20260929.html"
)

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// eucKR encodes s as the chart feed sends it.
func eucKR(t testing.TB, s string) []byte {
	t.Helper()
	b, err := korean.EUCKR.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fromEUCKR decodes a recorded EUC-KR body, as the fetcher does.
func fromEUCKR(t testing.TB, b []byte) []byte {
	t.Helper()
	out, err := korean.EUCKR.NewDecoder().Bytes(b)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func seoul(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Seoul")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// kst returns a fixed clock at the given Seoul wall time.
func kst(t testing.TB, y int, mo time.Month, d, h, mi, s int) func() time.Time {
	at := time.Date(y, mo, d, h, mi, s, 0, seoul(t))
	return func() time.Time { return at }
}

// newTestSource serves h and returns a Source whose four endpoints all
// point at it, sending through a real httpx transport.
func newTestSource(t testing.TB, h http.Handler, now func() time.Time, batch int) (*Source, *httpx.Pool) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	pool := httpx.NewPool(httpx.Config{MaxAttempts: 2, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}, nil)
	src := New(Config{
		FChartURL: srv.URL, APIURL: srv.URL, PollingURL: srv.URL, MobileURL: srv.URL,
		PollingBatch: batch, Now: now,
	}, pool.Client())
	return src, pool
}

func inst(code string) market.Instrument {
	return market.Instrument{Key: market.Key{Source: market.SourceNaver, Symbol: code}, Market: market.XKRX, Currency: "KRW", Active: true}
}

func krw(n int64) market.Decimal { return market.DecimalFromInt(n) }

// ohlcv is a fully traded session.
func ohlcv(d market.Date, o, h, l, c, v int64) market.Bar {
	return market.Bar{Date: d, Open: market.Some(krw(o)), High: market.Some(krw(h)), Low: market.Some(krw(l)), Close: krw(c), Volume: market.Some(v)}
}

// halted is a session without trading: the close carried over.
func halted(d market.Date, c int64) market.Bar {
	return market.Bar{Date: d, Close: krw(c), Volume: market.Some(int64(0)), Halted: true}
}

// routes serves a fixed body per path and records the requests.
type routes map[string]*serveBody

func (r routes) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	h, ok := r[req.URL.Path]
	if !ok {
		http.NotFound(w, req)
		return
	}
	h.ServeHTTP(w, req)
}

func (r routes) requests() []*url.URL {
	var out []*url.URL
	for _, h := range r {
		out = append(out, h.requests()...)
	}
	return out
}
