package main

import (
	"reflect"
	"strings"
	"testing"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/sourcetest"

	"github.com/marketd/marketd/cmd/marketd/internal/cli"
)

func TestSymbolsAddIsIdempotentAndReactivates(t *testing.T) {
	// The simulated market answers Yahoo's chart for any symbol: symbols
	// add classifies each new one from its meta.
	url, stop := sourcetest.New(sourcetest.Options{}).Start()
	t.Cleanup(stop)
	env, _ := tempDB(t)
	env = append(env, "MARKETD_SOURCES_YAHOO_BASE_URL="+url, "MARKETD_SOURCES_YAHOO_RATE=unlimited")
	steps := []struct {
		args   []string
		stdout string
	}{
		{[]string{"symbols", "add", "--source", "naver", "--market", "KOSPI", "005930", "000660"}, "symbols add: 2 added, 0 reactivated, 0 already active (naver)\n"},
		{[]string{"symbols", "add", "--source", "naver", "--market", "KOSPI", "005930", "000660"}, "symbols add: 0 added, 0 reactivated, 2 already active (naver)\n"},
		{[]string{"symbols", "remove", "--source", "naver", "000660"}, "symbols remove: 1 marked inactive, 0 already inactive (naver; bars kept)\n"},
		{[]string{"symbols", "remove", "--source", "naver", "000660"}, "symbols remove: 0 marked inactive, 1 already inactive (naver; bars kept)\n"},
		{[]string{"symbols", "add", "--source", "naver", "000660", "0193t0"}, "symbols add: 1 added, 1 reactivated, 0 already active (naver)\n"},
		{[]string{"symbols", "add", "--source", "yahoo", "--market", "KOSDAQ", "373220", "005930.KS"}, "symbols add: 2 added, 0 reactivated, 0 already active (yahoo)\n"},
		{[]string{"symbols", "add", "--source", "yahoo", "aapl", "BRK-B", "AAPL"}, "symbols add: 2 added, 0 reactivated, 0 already active (yahoo)\n"},
	}
	for _, s := range steps {
		r := marketd(t, env, s.args...)
		if r.code != cli.ExitOK || r.stdout != s.stdout {
			t.Fatalf("marketd %s: exit %d, stdout %q, stderr %q; want stdout %q",
				strings.Join(s.args, " "), r.code, r.stdout, r.stderr, s.stdout)
		}
	}
	r := marketd(t, env, "symbols", "list")
	want := `SOURCE  SYMBOL     MARKET  BOARD   TYPE    CURRENCY  ACTIVE  NAME
naver   000660     XKRX    KOSPI                     true    
naver   005930     XKRX    KOSPI                     true    
naver   0193T0     XKRX                              true    
yahoo   005930.KS  XKRX    KOSPI   EQUITY  KRW       true    삼성전자
yahoo   373220.KQ  XKRX    KOSDAQ  EQUITY  KRW       true    LG에너지솔루션
yahoo   AAPL       XNYS            EQUITY  USD       true    Apple Inc.
yahoo   BRK-B      XNYS            EQUITY  USD       true    Simulated BRK-B Inc.
`
	if r.code != cli.ExitOK || r.stdout != want {
		t.Errorf("symbols list: exit %d, stdout\n%s\nwant\n%s", r.code, r.stdout, want)
	}
	if r.stderr != "symbols list: 7 instruments, 7 active\n" {
		t.Errorf("symbols list summary %q", r.stderr)
	}

	r = marketd(t, env, "symbols", "remove", "--source", "yahoo", "AAPL", "MSFT")
	if r.code != cli.ExitUsage || r.stderr != "marketd: symbols remove: yahoo has no MSFT; nothing changed\n" {
		t.Errorf("remove unknown: exit %d, stderr %q", r.code, r.stderr)
	}
	r = marketd(t, env, "symbols", "list", "--source", "yahoo", "--active")
	if r.code != cli.ExitOK || r.stderr != "symbols list: 4 instruments, 4 active\n" {
		t.Errorf("after a failed remove, AAPL must still be active: exit %d, %q", r.code, r.stderr)
	}
}

func TestNewInstrumentsErrors(t *testing.T) {
	tests := []struct {
		source, market string
		symbols        []string
		want           string
	}{
		{"", "", []string{"AAPL"}, "--source is required"},
		{"google", "", []string{"AAPL"}, `--source "google"`},
		{"naver", "XNYS", []string{"005930"}, "naver has Korean (XKRX) instruments only"},
		{"naver", "", []string{"00593"}, `naver symbol "00593"`},
		{"naver", "", []string{"a05930"}, `naver symbol "a05930": want a 6-character KRX code such as 005930`},
		{"yahoo", "KOSPI", []string{"AAPL"}, `yahoo symbol "AAPL": --market KOSPI wants 6-character KRX codes`},
		{"yahoo", "XKRX", []string{"005930"}, "use --market KOSPI or KOSDAQ"},
		{"yahoo", "XWAR", []string{"PKN"}, `unknown market "XWAR"`},
		{"yahoo", "", []string{"A B"}, `yahoo symbol: invalid symbol "A B": ' ' is not allowed`},
	}
	for _, tt := range tests {
		_, err := newInstruments(tt.source, tt.market, tt.symbols)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("newInstruments(%q, %q, %v) = %v, want an error containing %q", tt.source, tt.market, tt.symbols, err, tt.want)
		}
	}
}

func TestNewInstrumentsMarkets(t *testing.T) {
	tests := []struct {
		market, symbol string
		wantSymbol     string
		wantMarket     string
		wantBoard      string
	}{
		// Yahoo's answer tells the market (classifyNew), not the spelling.
		{"", "aapl", "AAPL", "", ""},
		{"", "BRK-B", "BRK-B", "", ""},
		{"", "7203.T", "7203.T", "", ""},
		{"", "^GSPC", "^GSPC", "", ""},
		{"", "005930.KS", "005930.KS", "XKRX", "KOSPI"},
		{"", "373220.kq", "373220.KQ", "XKRX", "KOSDAQ"},
		{"NASDAQ", "MSFT", "MSFT", "XNYS", ""},
		{"nyse", "IBM", "IBM", "XNYS", ""},
		// An explicit market is the user's word on the calendar.
		{"XNYS", "BTC-USD", "BTC-USD", "XNYS", ""},
		{"NASDAQ", "7203.T", "7203.T", "XNYS", ""},
		{"KOSDAQ", "373220", "373220.KQ", "XKRX", "KOSDAQ"},
	}
	for _, tt := range tests {
		got, err := newInstruments("yahoo", tt.market, []string{tt.symbol})
		want := []market.Instrument{{Key: market.Key{Source: "yahoo", Symbol: tt.wantSymbol}, Market: tt.wantMarket, Board: tt.wantBoard, Active: true}}
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("newInstruments(yahoo, %q, %q) = %+v, %v; want %+v", tt.market, tt.symbol, got, err, want)
		}
	}
}

func TestSymbolsListMarketSelectsBoard(t *testing.T) {
	env, path := tempDB(t)
	seed(t, path, boardInstruments, nil)
	for _, tt := range []struct {
		args           []string
		stdout, stderr string
	}{
		{[]string{"--market", "KOSDAQ"}, `SOURCE  SYMBOL     MARKET  BOARD   TYPE  CURRENCY  ACTIVE  NAME
naver   247540     XKRX    KOSDAQ                  true    
yahoo   247540.KQ  XKRX    KOSDAQ                  true    
`, "symbols list: 2 instruments, 2 active\n"},
		{[]string{"--market", "kospi"}, `SOURCE  SYMBOL  MARKET  BOARD  TYPE  CURRENCY  ACTIVE  NAME
naver   005930  XKRX    KOSPI                  true    
`, "symbols list: 1 instrument, 1 active\n"},
		{[]string{"--market", "XKRX"}, `SOURCE  SYMBOL     MARKET  BOARD   TYPE  CURRENCY  ACTIVE  NAME
naver   005930     XKRX    KOSPI                   true    
naver   0193T0     XKRX                            true    
naver   247540     XKRX    KOSDAQ                  true    
yahoo   247540.KQ  XKRX    KOSDAQ                  true    
`, "symbols list: 4 instruments, 4 active\n"},
		{[]string{"--market", "KOSDAQ", "--source", "naver"}, `SOURCE  SYMBOL  MARKET  BOARD   TYPE  CURRENCY  ACTIVE  NAME
naver   247540  XKRX    KOSDAQ                  true    
`, "symbols list: 1 instrument, 1 active\n"},
		{[]string{"--market", "NASDAQ"}, `SOURCE  SYMBOL  MARKET  BOARD  TYPE  CURRENCY  ACTIVE  NAME
yahoo   AAPL    XNYS                           true    
`, "symbols list: 1 instrument, 1 active\n"},
	} {
		r := marketd(t, env, append([]string{"symbols", "list"}, tt.args...)...)
		if r.code != cli.ExitOK || r.stdout != tt.stdout || r.stderr != tt.stderr {
			t.Errorf("symbols list %v: exit %d\n%s%q\nwant\n%s%q", tt.args, r.code, r.stdout, r.stderr, tt.stdout, tt.stderr)
		}
	}
}
