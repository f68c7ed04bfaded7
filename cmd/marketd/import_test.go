package main

import (
	"context"
	"strings"
	"testing"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/sourcetest"
	"github.com/marketd/marketd/store"
	"github.com/marketd/marketd/store/sqlite"

	"github.com/marketd/marketd/cmd/marketd/internal/cli"
)

// symbols import against the simulated market's listing: listed codes are
// added or reactivated, the board's vanished codes marked inactive with
// their bars kept, other boards, sources and board-less codes untouched.
func TestSymbolsImport(t *testing.T) {
	sim := sourcetest.New(sourcetest.Options{Symbols: []sourcetest.Symbol{
		{Symbol: "005930"}, {Symbol: "000660"}, {Symbol: "0193T0"},
		{Symbol: "035720", Delisted: market.NewDate(2026, 1, 5)},
		{Symbol: "247540", Board: "KOSDAQ"},
	}})
	url, stop := sim.Start()
	t.Cleanup(stop)
	env, path := tempDB(t)
	env = append(env, "MARKETD_SOURCES_NAVER_MOBILE_URL="+url)

	naver := func(sym, board string) market.Instrument {
		return market.Instrument{Key: market.Key{Source: market.SourceNaver, Symbol: sym}, Market: market.XKRX, Board: board, Active: true}
	}
	delistedBar := market.Bar{Date: market.NewDate(2026, 1, 5), Close: dec("61000")}
	seed(t, path, []market.Instrument{
		naver("000660", "KOSPI"), naver("035720", "KOSPI"), naver("111111", "KOSPI"),
		naver("247540", "KOSDAQ"), naver("222222", ""),
		{Key: market.Key{Source: market.SourceYahoo, Symbol: "005930.KS"}, Market: market.XKRX, Board: "KOSPI", Active: true},
	}, []store.Write{{Key: market.Key{Source: market.SourceNaver, Symbol: "035720"}, Bars: []market.Bar{delistedBar}}})
	if r := marketd(t, env, "symbols", "remove", "--source", "naver", "000660"); r.code != cli.ExitOK {
		t.Fatalf("symbols remove: %d %s", r.code, r.stderr)
	}

	for _, want := range []string{
		"imported KOSPI: 3 listed, 2 added, 1 reactivated, 2 marked inactive\n",
		"imported KOSPI: 3 listed, 0 added, 0 reactivated, 0 marked inactive\n",
	} {
		r := marketd(t, env, "symbols", "import", "--market", "kospi")
		if r.code != cli.ExitOK || r.stdout != want {
			t.Fatalf("symbols import: exit %d, stdout %q, stderr %q; want %q", r.code, r.stdout, r.stderr, want)
		}
	}
	r := marketd(t, env, "symbols", "list")
	want := `SOURCE  SYMBOL     MARKET  BOARD   TYPE  CURRENCY  ACTIVE  NAME
naver   000660     XKRX    KOSPI         KRW       true    SK하이닉스
naver   005930     XKRX    KOSPI         KRW       true    삼성전자
naver   0193T0     XKRX    KOSPI         KRW       true    %s
naver   035720     XKRX    KOSPI                   false   
naver   111111     XKRX    KOSPI                   false   
naver   222222     XKRX                            true    
naver   247540     XKRX    KOSDAQ                  true    
yahoo   005930.KS  XKRX    KOSPI                   true    
`
	if r.code != cli.ExitOK || !listMatches(r.stdout, want) {
		t.Errorf("symbols list after import: exit %d\n%s\nwant\n%s", r.code, r.stdout, want)
	}

	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	bars, err := st.Bars(context.Background(), market.Key{Source: market.SourceNaver, Symbol: "035720"}, 0, market.NewDate(2100, 1, 1))
	if err != nil || len(bars) != 1 || bars[0].Close != delistedBar.Close {
		t.Errorf("bars of the delisted code: %+v, %v; want the one stored bar kept", bars, err)
	}
}

// listMatches compares symbols list output with want, where a line of want
// ending in %s matches any name.
func listMatches(got, want string) bool {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	if len(g) != len(w) {
		return false
	}
	for i := range w {
		if p, ok := strings.CutSuffix(w[i], "%s"); ok {
			if !strings.HasPrefix(g[i], p) || len(g[i]) == len(p) {
				return false
			}
			continue
		}
		if g[i] != w[i] {
			return false
		}
	}
	return true
}

func TestSymbolsImportRefuses(t *testing.T) {
	empty := sourcetest.New(sourcetest.Options{Symbols: []sourcetest.Symbol{{Symbol: "005930"}}})
	url, stop := empty.Start()
	t.Cleanup(stop)
	env, path := tempDB(t)
	env = append(env, "MARKETD_SOURCES_NAVER_MOBILE_URL="+url)
	seed(t, path, []market.Instrument{{Key: market.Key{Source: market.SourceNaver, Symbol: "247540"}, Market: market.XKRX, Board: "KOSDAQ", Active: true}}, nil)

	tests := []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"symbols", "import", "--market", "KOSDAQ"}, cli.ExitRuntime,
			"marketd: symbols import KOSDAQ: the listing came back empty; nothing changed\n"},
		{[]string{"symbols", "import"}, cli.ExitUsage, "marketd: --market is required: KOSPI or KOSDAQ\n"},
		{[]string{"symbols", "import", "--market", "XNYS"}, cli.ExitUsage, "marketd: --market \"XNYS\": want KOSPI or KOSDAQ (the boards Naver lists)\n"},
	}
	for _, tt := range tests {
		r := marketd(t, env, tt.args...)
		if r.code != tt.code || r.stderr != tt.stderr {
			t.Errorf("marketd %s: exit %d, stderr %q; want %d %q", strings.Join(tt.args, " "), r.code, r.stderr, tt.code, tt.stderr)
		}
	}
	r := marketd(t, env, "symbols", "list", "--active")
	if r.code != cli.ExitOK || r.stderr != "symbols list: 1 instrument, 1 active\n" {
		t.Errorf("after a refused import the KOSDAQ code must stay active: exit %d, %q", r.code, r.stderr)
	}
}

// A listing that would empty most of a board is refused whole: nothing is
// added or marked inactive, and the message says how to proceed.
func TestSymbolsImportRefusesMassDeactivation(t *testing.T) {
	sim := sourcetest.New(sourcetest.Options{Symbols: []sourcetest.Symbol{{Symbol: "005930"}, {Symbol: "247540", Board: "KOSDAQ"}}})
	url, stop := sim.Start()
	t.Cleanup(stop)
	env, path := tempDB(t)
	env = append(env, "MARKETD_SOURCES_NAVER_MOBILE_URL="+url)
	var insts []market.Instrument
	for _, code := range []string{"000660", "005380", "005930", "035420", "051910", "068270", "105560", "207940"} {
		insts = append(insts, market.Instrument{Key: market.Key{Source: market.SourceNaver, Symbol: code}, Market: market.XKRX, Board: "KOSPI", Active: true})
	}
	seed(t, path, insts, nil)

	r := marketd(t, env, "symbols", "import", "--market", "KOSPI")
	want := "marketd: symbols import KOSPI: with 1 listed, 7 of the 8 active KOSPI instruments would be marked inactive " +
		"(000660, 005380, 035420, and 4 more): more than 5 and more than 10% at once looks like a broken listing; nothing changed. " +
		"If they really were delisted, remove them first: marketd symbols remove --source naver CODE...\n"
	if r.code != cli.ExitRuntime || r.stdout != "" || r.stderr != want {
		t.Errorf("symbols import: exit %d, stdout %q, stderr %q; want %d, %q", r.code, r.stdout, r.stderr, cli.ExitRuntime, want)
	}
	if r := marketd(t, env, "symbols", "list", "--active"); r.code != cli.ExitOK || r.stderr != "symbols list: 8 instruments, 8 active\n" {
		t.Errorf("after a refused import every KOSPI code must stay active: exit %d, %q", r.code, r.stderr)
	}

	// Removing the codes that really went leaves a listing the check
	// accepts; KOSDAQ, with nothing stored, only gains its listed code.
	args := []string{"symbols", "remove", "--source", "naver", "000660", "005380", "035420", "051910", "068270"}
	if r := marketd(t, env, args...); r.code != cli.ExitOK {
		t.Fatalf("symbols remove: exit %d, %q", r.code, r.stderr)
	}
	for board, want := range map[string]string{
		"KOSPI":  "imported KOSPI: 1 listed, 0 added, 0 reactivated, 2 marked inactive\n",
		"KOSDAQ": "imported KOSDAQ: 1 listed, 1 added, 0 reactivated, 0 marked inactive\n",
	} {
		if r := marketd(t, env, "symbols", "import", "--market", board); r.code != cli.ExitOK || r.stdout != want {
			t.Errorf("symbols import %s: exit %d, stdout %q, stderr %q; want %q", board, r.code, r.stdout, r.stderr, want)
		}
	}
}
