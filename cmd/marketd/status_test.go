package main

import (
	"regexp"
	"testing"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

// After a partial collect, status names the instruments that failed and
// why: the first few, then how many more.
func TestStatusNamesFailedInstruments(t *testing.T) {
	_, url := simulated(t, nil)
	env, path := tempDB(t)
	env = append(env, "MARKETD_SOURCES_YAHOO_BASE_URL="+url, "MARKETD_SOURCES_YAHOO_RATE=unlimited")
	insts := []market.Instrument{testInstruments[0]} // AAPL, which the market serves
	for _, sym := range []string{"GONE1", "GONE2", "GONE3", "GONE4", "GONE5"} {
		insts = append(insts, market.Instrument{Key: market.Key{Source: market.SourceYahoo, Symbol: sym}, Market: market.XNYS, Active: true})
	}
	seed(t, path, insts, nil)
	if r := marketd(t, env, "collect", "--source", "yahoo"); r.code != exitRuntime {
		t.Fatalf("collect: exit %d, stderr %q; want %d", r.code, r.stderr, exitRuntime)
	}

	r := marketd(t, env, "status")
	notFound := func(sym string) string {
		return "yahoo:" + sym + ": yahoo " + sym + ": symbol not found (No data found, symbol may be delisted)"
	}
	want := regexp.MustCompile(`(?m)^collect +[0-9TZ:-]+ +partial +1 +5 +0 +252/0 +` + regexp.QuoteMeta(
		"failed: "+notFound("GONE1")+"; "+notFound("GONE2")+"; "+notFound("GONE3")+"; and 2 more") + "$")
	if r.code != exitOK || !want.MatchString(r.stdout) {
		t.Errorf("status: exit %d; want a collect line matching %s in\n%s", r.code, want, r.stdout)
	}
}

func TestRunMessage(t *testing.T) {
	failed := func(sym, err string) store.RunResult {
		return store.RunResult{Key: market.Key{Source: market.SourceNaver, Symbol: sym}, Status: "failed", Error: err}
	}
	ok := store.RunResult{Key: market.Key{Source: market.SourceNaver, Symbol: "005930"}, Status: "ok"}
	for _, tt := range []struct {
		run  store.Run
		want string
	}{
		{store.Run{Status: store.RunOK, Results: []store.RunResult{ok}}, ""},
		{store.Run{Status: store.RunOK, Message: "no active instruments for source naver on market XKRX"},
			"no active instruments for source naver on market XKRX"},
		{store.Run{Status: store.RunPartial, Results: []store.RunResult{ok, failed("0193T0", "HTTP 503")}},
			"failed: naver:0193T0: HTTP 503"},
		{store.Run{Status: store.RunInterrupted, Message: "interrupted; run the same command again to resume",
			Results: []store.RunResult{failed("000660", "HTTP 503"), failed("0193T0", "timeout"), failed("035720", "HTTP 410"), failed("247540", "parse")}},
			"interrupted; run the same command again to resume; failed: naver:000660: HTTP 503; naver:0193T0: timeout; naver:035720: HTTP 410; and 1 more"},
	} {
		if got := runMessage(tt.run); got != tt.want {
			t.Errorf("runMessage(%+v) = %q, want %q", tt.run, got, tt.want)
		}
	}
}
