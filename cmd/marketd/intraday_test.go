package main

import (
	"context"
	"strings"
	"testing"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

// symbols add --intraday and symbols intraday set the interval the
// archive collects; an unknown symbol or interval changes nothing (exit 2).
func TestSymbolsIntraday(t *testing.T) {
	env, path := tempDB(t)
	steps := []struct {
		args         []string
		code         int
		stdout, errs string
	}{
		{[]string{"symbols", "add", "--source", "naver", "--intraday", "1m", "005930", "000660"}, exitOK,
			"symbols add: 2 added, 0 reactivated, 0 already active (naver)\n", ""},
		{[]string{"symbols", "add", "--source", "naver", "--intraday", "1d", "035720"}, exitUsage,
			"", "marketd: --interval: invalid intraday interval \"1d\": want 1m, 5m, 60m or off\n"},
		{[]string{"symbols", "add", "--source", "naver", "035720"}, exitOK,
			"symbols add: 1 added, 0 reactivated, 0 already active (naver)\n", ""},
		{[]string{"symbols", "intraday", "--source", "naver", "--interval", "5m", "000660", "035720"}, exitOK,
			"symbols intraday: 2 instruments set to 5m, 0 already (naver)\n", ""},
		{[]string{"symbols", "intraday", "--source", "naver", "--interval", "off", "005930", "999999"}, exitUsage,
			"", "marketd: symbols intraday: store: set intraday interval of naver:999999: no such instrument; nothing changed\n"},
		{[]string{"symbols", "intraday", "--source", "naver", "--interval", "off", "005930"}, exitOK,
			"symbols intraday: 1 instrument set to off, 0 already (naver)\n", ""},
	}
	for _, s := range steps {
		r := marketd(t, env, s.args...)
		if r.code != s.code || r.stdout != s.stdout || r.stderr != s.errs {
			t.Fatalf("marketd %s: exit %d, stdout %q, stderr %q; want %d, %q, %q",
				strings.Join(s.args, " "), r.code, r.stdout, r.stderr, s.code, s.stdout, s.errs)
		}
	}
	st := openSeeded(t, path)
	insts, err := st.Instruments(context.Background(), store.InstrumentFilter{Source: market.SourceNaver})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]market.Interval{}
	for _, in := range insts {
		got[in.Symbol] = in.Intraday
	}
	if want := map[string]market.Interval{"000660": market.Interval5m, "005930": 0, "035720": market.Interval5m}; len(got) != 3 ||
		got["000660"] != want["000660"] || got["005930"] != want["005930"] || got["035720"] != want["035720"] {
		t.Errorf("intraday intervals %v, want %v", got, want)
	}
}
