package main

import (
	"strings"
	"testing"
)

func TestSymbolsAddIsIdempotentAndReactivates(t *testing.T) {
	env, _ := tempDB(t)
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
		if r.code != exitOK || r.stdout != s.stdout {
			t.Fatalf("marketd %s: exit %d, stdout %q, stderr %q; want stdout %q",
				strings.Join(s.args, " "), r.code, r.stdout, r.stderr, s.stdout)
		}
	}
	r := marketd(t, env, "symbols", "list")
	want := `SOURCE  SYMBOL     MARKET  BOARD   ACTIVE  NAME
naver   000660     XKRX    KOSPI   true    
naver   005930     XKRX    KOSPI   true    
naver   0193T0     XKRX            true    
yahoo   005930.KS  XKRX    KOSPI   true    
yahoo   373220.KQ  XKRX    KOSDAQ  true    
yahoo   AAPL       XNYS            true    
yahoo   BRK-B      XNYS            true    
`
	if r.code != exitOK || r.stdout != want {
		t.Errorf("symbols list: exit %d, stdout\n%s\nwant\n%s", r.code, r.stdout, want)
	}
	if r.stderr != "symbols list: 7 instruments, 7 active\n" {
		t.Errorf("symbols list summary %q", r.stderr)
	}

	r = marketd(t, env, "symbols", "remove", "--source", "yahoo", "AAPL", "MSFT")
	if r.code != exitUsage || r.stderr != "marketd: symbols remove: yahoo has no MSFT; nothing changed\n" {
		t.Errorf("remove unknown: exit %d, stderr %q", r.code, r.stderr)
	}
	r = marketd(t, env, "symbols", "list", "--source", "yahoo", "--active")
	if r.code != exitOK || r.stderr != "symbols list: 4 instruments, 4 active\n" {
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
		{"yahoo", "KOSPI", []string{"AAPL"}, `yahoo symbol "AAPL": --market KOSPI wants 6-character KRX codes`},
		{"yahoo", "XKRX", []string{"005930"}, "use --market KOSPI or KOSDAQ"},
		{"yahoo", "LSE", []string{"VOD"}, `unknown market "LSE"`},
		{"yahoo", "", []string{"A B"}, `yahoo symbol "A B"`},
	}
	for _, tt := range tests {
		_, err := newInstruments(tt.source, tt.market, tt.symbols)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("newInstruments(%q, %q, %v) = %v, want an error containing %q", tt.source, tt.market, tt.symbols, err, tt.want)
		}
	}
}

func TestYahooSymbol(t *testing.T) {
	for _, tt := range []struct{ code, board, want string }{
		{"005930", "KOSPI", "005930.KS"},
		{"373220", "KOSDAQ", "373220.KQ"},
	} {
		if got := yahooSymbol(tt.code, tt.board); got != tt.want {
			t.Errorf("yahooSymbol(%q, %q) = %q, want %q", tt.code, tt.board, got, tt.want)
		}
	}
}
