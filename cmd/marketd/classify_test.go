package main

import (
	"bytes"
	"context"
	"database/sql"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/marketd/marketd/sources/market"

	"github.com/marketd/marketd/cmd/marketd/internal/cli"
)

// fakeYahoo serves chart bodies by symbol (any query) and Yahoo's recorded
// 404 for every other symbol, counting the requests. It reads the files
// now: the tests change directory afterwards.
func fakeYahoo(t *testing.T, bodies map[string][]byte) (url string, requests func() int) {
	t.Helper()
	notFound := yahooTestdata(t, "error_404_not_found.json")
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Content-Type", "application/json")
		body, ok := bodies[strings.TrimPrefix(r.URL.Path, "/v8/finance/chart/")]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			body = notFound
		}
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, func() int { return int(n.Load()) }
}

// yahooTestdata reads a recorded Yahoo body (sources/yahoo/testdata, whose
// README says where each came from).
func yahooTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("../../sources/yahoo/testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSymbolsAddClassifies: Yahoo symbols are added without --market from
// the recorded bodies' meta, refused all together when Yahoo does not know
// them or their exchange has no market, and their bars are then stored
// exactly (the KRW index with its decimals).
func TestSymbolsAddClassifies(t *testing.T) {
	// PKN.WA on Warsaw (WSE): an exchange the registry does not list. A
	// body built here from the recorded AAPL one, only meta changed.
	pkn := bytes.Replace(yahooTestdata(t, "chart_AAPL_1d_20200831_20201107_events.json"),
		[]byte(`"currency":"USD","symbol":"AAPL","exchangeName":"NMS"`), []byte(`"currency":"PLN","symbol":"PKN.WA","exchangeName":"WSE"`), 1)
	url, requests := fakeYahoo(t, map[string][]byte{
		"^SOX":        yahooTestdata(t, "chart_^SOX_1d_range1mo_20261005.json"),
		"KOSPI-25.KS": yahooTestdata(t, "chart_KOSPI-25.KS_1d_20261005.json"),
		"600497.SS":   yahooTestdata(t, "chart_600497.SS_1d_20171115_20171127.json"),
		"WSU.DE":      yahooTestdata(t, "chart_WSU.DE_CONSTRUCTED.json"),
		"PKN.WA":      pkn,
	})
	env, path := tempDB(t)
	env = append(env, "MARKETD_SOURCES_YAHOO_BASE_URL="+url, "MARKETD_SOURCES_YAHOO_RATE=unlimited")
	now := time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC)

	r := marketdAt(t, now, env, "symbols", "add", "--source", "yahoo", "NOPE1", "^SOX", "pkn.wa", "NOPE2")
	want := "marketd: symbols add: nothing added: NOPE1: yahoo does not know it; PKN.WA trades on Yahoo's exchange WSE, " +
		"which is not a market marketd knows: add it with --market and the market whose calendar it follows; NOPE2: yahoo does not know it\n"
	if r.code != cli.ExitUsage || r.stdout != "" || r.stderr != want {
		t.Fatalf("bad symbols: exit %d, stdout %q, stderr %q; want exit %d, stderr %q", r.code, r.stdout, r.stderr, cli.ExitUsage, want)
	}
	if r := marketdAt(t, now, env, "symbols", "list"); r.stderr != "symbols list: 0 instruments, 0 active\n" {
		t.Fatalf("a refused add stored instruments: %q %q", r.stdout, r.stderr)
	}
	if n := requests(); n != 4 {
		t.Errorf("%d chart requests for 4 symbols, want 4", n)
	}

	for _, tt := range []struct {
		args   []string
		stdout string
	}{
		{[]string{"^SOX", "KOSPI-25.KS", "600497.SS", "WSU.DE"}, "symbols add: 4 added, 0 reactivated, 0 already active (yahoo)\n"},
		{[]string{"--market", "XNYS", "PKN.WA"}, "symbols add: 1 added, 0 reactivated, 0 already active (yahoo)\n"},
		// Known symbols are not asked about again.
		{[]string{"^SOX", "KOSPI-25.KS"}, "symbols add: 0 added, 0 reactivated, 2 already active (yahoo)\n"},
	} {
		args := append([]string{"symbols", "add", "--source", "yahoo"}, tt.args...)
		if r := marketdAt(t, now, env, args...); r.code != cli.ExitOK || r.stdout != tt.stdout {
			t.Fatalf("%v: exit %d, stdout %q, stderr %q; want %q", args, r.code, r.stdout, r.stderr, tt.stdout)
		}
	}
	if n := requests(); n != 9 {
		t.Errorf("%d chart requests in all, want 9 (one per new symbol)", n)
	}
	r = marketdAt(t, now, env, "symbols", "list")
	wantList := `SOURCE  SYMBOL       MARKET  BOARD  TYPE    CURRENCY  ACTIVE  NAME
yahoo   600497.SS    XSHG           EQUITY  CNY       true    
yahoo   KOSPI-25.KS  XKRX    KOSPI  INDEX   KRW       true    KOSPI Financial Companies - Ins
yahoo   PKN.WA       XNYS           EQUITY  PLN       true    Apple Inc.
yahoo   WSU.DE       XETR           EQUITY  EUR       true    WashTec AG
yahoo   ^SOX         XNYS           INDEX   USD       true    PHLX Semiconductor
`
	if r.code != cli.ExitOK || r.stdout != wantList {
		t.Errorf("symbols list:\n%s\nwant\n%s", r.stdout, wantList)
	}

	for _, w := range []struct{ symbol, from, to string }{
		{"^SOX", "2026-09-08", "2026-10-05"},
		{"KOSPI-25.KS", "2026-10-01", "2026-10-05"},
		{"600497.SS", "2017-11-15", "2017-11-27"},
		{"WSU.DE", "2020-08-31", "2020-11-06"},
	} {
		r := marketdAt(t, now, env, "backfill", "--symbols", w.symbol, "--from", w.from, "--to", w.to)
		if r.code != cli.ExitOK {
			t.Fatalf("backfill %s: exit %d, stdout %q, stderr %q", w.symbol, r.code, r.stdout, r.stderr)
		}
	}
	st := openSeeded(t, path)
	stored := func(sym string) []market.Bar {
		bars, err := st.Bars(context.Background(), market.Key{Source: market.SourceYahoo, Symbol: sym}, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		return bars
	}
	for _, tt := range []struct {
		symbol      string
		n           int
		first, last string // date close
		lastOHL     string // open high low of the last bar, "" when missing
	}{
		{"^SOX", 20, "2026-09-08 11887.87", "2026-10-05 13128.23", "13148.84 13152.67 13004.67"},
		{"KOSPI-25.KS", 1, "2026-10-02 46539.14", "2026-10-02 46539.14", "  "},
		{"600497.SS", 8, "2017-11-16 6.51", "2017-11-27 6.51", "6.49 6.67 6.45"},
		{"WSU.DE", 49, "2020-08-31 129.04", "2020-11-06 118.69", "118.32 119.2 116.13"},
	} {
		bars := stored(tt.symbol)
		if len(bars) != tt.n {
			t.Errorf("%s: %d bars stored, want %d", tt.symbol, len(bars), tt.n)
			continue
		}
		dc := func(b market.Bar) string { return b.Date.String() + " " + b.Close.String() }
		opt := func(v sql.Null[market.Decimal]) string {
			if !v.Valid {
				return ""
			}
			return v.V.String()
		}
		last := bars[len(bars)-1]
		if got := opt(last.Open) + " " + opt(last.High) + " " + opt(last.Low); dc(bars[0]) != tt.first || dc(last) != tt.last || got != tt.lastOHL {
			t.Errorf("%s: first %s, last %s (o h l %q); want %s, %s (%q)", tt.symbol, dc(bars[0]), dc(last), got, tt.first, tt.last, tt.lastOHL)
		}
	}
}

// TestSymbolsAddRefusesBeforeAsking: a symbol the command line already
// rules out is refused without a request to Yahoo, and nothing is added.
func TestSymbolsAddRefusesBeforeAsking(t *testing.T) {
	url, requests := fakeYahoo(t, nil)
	env, _ := tempDB(t)
	env = append(env, "MARKETD_SOURCES_YAHOO_BASE_URL="+url, "MARKETD_SOURCES_YAHOO_RATE=unlimited")
	for _, tt := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"AAPL", "005930"}, "marketd: yahoo symbol \"005930\": a KRX code; use --market KOSPI or KOSDAQ so it becomes CODE.KS or CODE.KQ\n"},
		{[]string{"--market", "XKRX", "7203.T"}, "marketd: yahoo symbol \"7203.T\": --market XKRX wants 6-character KRX codes or CODE.KS/CODE.KQ\n"},
		{[]string{"--market", "XWAR", "PKN.WA"}, "marketd: --market: unknown market \"XWAR\" (want a MIC such as XNYS, XKRX, XTKS, XLON or a name such as NYSE, KOSPI, JPX, LSE, XETRA)\n"},
		{[]string{"A/B"}, "marketd: yahoo symbol \"A/B\": not a Yahoo symbol\n"},
	} {
		args := append([]string{"symbols", "add", "--source", "yahoo"}, tt.args...)
		r := marketd(t, env, args...)
		if r.code != cli.ExitUsage || r.stdout != "" || r.stderr != tt.stderr {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit %d, stderr %q", args, r.code, r.stdout, r.stderr, cli.ExitUsage, tt.stderr)
		}
	}
	if n := requests(); n != 0 {
		t.Errorf("%d requests to Yahoo, want none", n)
	}
	if r := marketd(t, env, "symbols", "list"); r.code != cli.ExitOK || r.stderr != "symbols list: 0 instruments, 0 active\n" {
		t.Errorf("refused symbols were stored: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}
