package main

import (
	"context"
	"strings"
	"testing"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/sourcetest"
	"github.com/marketd/marketd/store/sqlite"

	"github.com/marketd/marketd/cmd/marketd/internal/cli"
)

// boardInstruments has instruments on both KRX boards, one on XKRX with no
// board, and one on XNYS.
var boardInstruments = []market.Instrument{
	{Key: market.Key{Source: market.SourceNaver, Symbol: "005930"}, Market: market.XKRX, Board: "KOSPI", Active: true},
	{Key: market.Key{Source: market.SourceNaver, Symbol: "247540"}, Market: market.XKRX, Board: "KOSDAQ", Active: true},
	{Key: market.Key{Source: market.SourceNaver, Symbol: "0193T0"}, Market: market.XKRX, Active: true},
	{Key: market.Key{Source: market.SourceYahoo, Symbol: "247540.KQ"}, Market: market.XKRX, Board: "KOSDAQ", Active: true},
	{Key: market.Key{Source: market.SourceYahoo, Symbol: "AAPL"}, Market: market.XNYS, Active: true},
}

func TestBackfillMarketSelectsBoard(t *testing.T) {
	env, path := tempDB(t)
	seed(t, path, boardInstruments, nil)
	window := []string{"--dry-run", "--from", "2026-01-05", "--to", "2026-01-09"}
	naverKosdaq := "naver:247540: [2026-01-05..2026-01-09]\n"
	yahooKosdaq := "yahoo:247540.KQ: [2026-01-05..2026-01-09]\n"
	for _, tt := range []struct {
		args   []string
		stdout string
	}{
		{[]string{"--market", "KOSDAQ"}, naverKosdaq + yahooKosdaq +
			"naver: 1 request, about 1s at the configured rate\nyahoo: 1 request, about 7s at the configured rate\n" +
			"2 instruments, 0 already covered\n"},
		{[]string{"--market", "kosdaq", "--source", "yahoo"}, yahooKosdaq +
			"yahoo: 1 request, about 7s at the configured rate\n1 instrument, 0 already covered\n"},
		{[]string{"--market", "KOSPI"}, "naver:005930: [2026-01-05..2026-01-09]\n" +
			"naver: 1 request, about 1s at the configured rate\n1 instrument, 0 already covered\n"},
	} {
		args := append(append([]string{"backfill"}, tt.args...), window...)
		r := marketd(t, env, args...)
		if r.code != cli.ExitOK || r.stdout != tt.stdout {
			t.Errorf("%v: exit %d, stdout\n%s\nstderr %q\nwant\n%s", args, r.code, r.stdout, r.stderr, tt.stdout)
		}
	}
	// XKRX is every board, and the instruments without one.
	r := marketd(t, env, append([]string{"backfill", "--market", "XKRX", "--source", "naver"}, window...)...)
	if want := "naver:005930: [2026-01-05..2026-01-09]\nnaver:0193T0: [2026-01-05..2026-01-09]\nnaver:247540: [2026-01-05..2026-01-09]\n"; r.code != cli.ExitOK || !strings.HasPrefix(r.stdout, want) {
		t.Errorf("backfill --market XKRX: exit %d, stdout\n%s\nwant it to start with\n%s", r.code, r.stdout, want)
	}
	// A board with no instruments must not fall back to the whole exchange.
	r = marketd(t, env, append([]string{"backfill", "--market", "KOSPI", "--source", "yahoo"}, window...)...)
	if r.code != cli.ExitRuntime || r.stdout != "" || r.stderr != "marketd: --market KOSPI: yahoo has no active KOSPI instruments\n" {
		t.Errorf("backfill of an empty board: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

func TestCollectMarketSelectsBoard(t *testing.T) {
	sim := sourcetest.New(sourcetest.Options{Symbols: []sourcetest.Symbol{
		{Symbol: "AAPL"}, {Symbol: "005930"}, {Symbol: "0193T0"}, {Symbol: "247540", Board: "KOSDAQ"},
	}})
	url, stop := sim.Start()
	t.Cleanup(stop)
	env, path := tempDB(t)
	env = append(env, "MARKETD_SOURCES_YAHOO_BASE_URL="+url, "MARKETD_SOURCES_YAHOO_RATE=unlimited",
		"MARKETD_SOURCES_NAVER_FCHART_URL="+url, "MARKETD_SOURCES_NAVER_API_URL="+url,
		"MARKETD_SOURCES_NAVER_POLLING_URL="+url, "MARKETD_SOURCES_NAVER_MOBILE_URL="+url,
		"MARKETD_SOURCES_NAVER_RATE=unlimited", "MARKETD_COLLECTOR_INITIAL_HISTORY=10d")
	seed(t, path, boardInstruments, nil)

	r := marketd(t, env, "collect", "--market", "KOSDAQ")
	if want := "collect ok: 2 ok, 0 failed, 0 skipped; "; r.code != cli.ExitOK || !strings.HasPrefix(r.stdout, want) {
		t.Fatalf("collect --market KOSDAQ: exit %d, stdout %q, stderr %q; want a summary starting %q", r.code, r.stdout, r.stderr, want)
	}
	ctx := context.Background()
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, in := range boardInstruments {
		bars, err := st.Bars(ctx, in.Key, market.NewDate(1980, 1, 1), market.NewDate(2100, 1, 1))
		if err != nil {
			t.Fatal(err)
		}
		if collected := len(bars) > 0; collected != (in.Board == "KOSDAQ") {
			t.Errorf("%s (%s %q): %d bars stored after collect --market KOSDAQ", in.Key, in.Market, in.Board, len(bars))
		}
	}
}

// TestCollectOffline: the README's first command on a machine that cannot
// reach the source says so in one line, pointing at the offline
// walk-through, and exits 1.
func TestCollectOffline(t *testing.T) {
	env, _ := tempDB(t)
	// .invalid never resolves (RFC 6761): the machine's resolver answers
	// "no such host" at once, online or not.
	for _, k := range []string{"FCHART", "API", "POLLING", "MOBILE"} {
		env = append(env, "MARKETD_SOURCES_NAVER_"+k+"_URL=https://naver.invalid")
	}
	if r := marketd(t, env, "symbols", "add", "--source", "naver", "--market", "KOSPI", "005930"); r.code != cli.ExitOK {
		t.Fatalf("symbols add: exit %d, stderr %q", r.code, r.stderr)
	}
	r := marketd(t, env, "collect")
	want := `marketd: collect failed: cannot reach naver.invalid (host not found or not answering: no network access?); 1 instrument not collected. ` +
		`To try marketd offline, see "Trying it offline: the simulated market" in the README` + "\n"
	var lines []string
	for _, l := range strings.SplitAfter(r.stderr, "\n") {
		if !strings.HasPrefix(l, "{") && !strings.HasPrefix(l, "time=") && l != "" { // log lines aside
			lines = append(lines, l)
		}
	}
	if r.code != cli.ExitRuntime || r.stdout != "" || strings.Join(lines, "") != want {
		t.Errorf("offline collect: exit %d, stdout %q, stderr %q; want exit 1 and only\n%s", r.code, r.stdout, r.stderr, want)
	}
}

// --symbols names instruments the store has: a typo or an empty list is a
// usage error, not an empty run or a run of everything.
func TestSelectionRefusesUnknownSymbols(t *testing.T) {
	env, path := tempDB(t)
	seed(t, path, boardInstruments, nil)
	for _, tt := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"collect", "--symbols", "ZZZ,AAPL"}, "marketd: --symbols: no active instrument ZZZ (see marketd symbols list)\n"},
		{[]string{"collect", "--source", "naver", "--symbols", "AAPL"}, "marketd: --symbols: no active instrument AAPL (see marketd symbols list)\n"},
		{[]string{"backfill", "--symbols", "", "--dry-run"}, "marketd: --symbols: the list is empty\n"},
	} {
		r := marketd(t, env, tt.args...)
		if r.code != cli.ExitUsage || r.stderr != tt.stderr || r.stdout != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2, %q", tt.args, r.code, r.stdout, r.stderr, tt.stderr)
		}
	}
}
