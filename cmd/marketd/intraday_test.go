package main

import (
	"context"
	"strings"
	"testing"
	"time"

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

// export --interval writes minute bars in the exchange's zone, selected
// by session date there; --actions with --interval is refused.
func TestExportMinutes(t *testing.T) {
	env, path := tempDB(t)
	krx := market.Instrument{Key: market.Key{Source: market.SourceNaver, Symbol: "005930"}, Market: market.XKRX, Active: true}
	other := market.Instrument{Key: market.Key{Source: market.SourceNaver, Symbol: "000660"}, Market: market.XKRX, Active: true}
	seed(t, path, []market.Instrument{krx, other}, nil)
	st := openSeeded(t, path)
	bar := func(start, c string, v int64) market.MinuteBar {
		at, err := time.Parse(time.RFC3339, start)
		if err != nil {
			t.Fatal(err)
		}
		return market.MinuteBar{Start: at, Open: market.Some(dec(c)), High: market.Some(dec(c)), Low: market.Some(dec(c)), Close: dec(c), Volume: market.Some(v)}
	}
	if _, err := st.WriteMinutes(context.Background(), []store.MinuteWrite{{Key: krx.Key, Interval: market.Interval1m, Bars: []market.MinuteBar{
		bar("2026-10-02T06:29:00Z", "84000", 10), bar("2026-10-05T00:00:00Z", "84500", 121000), bar("2026-10-05T06:29:00Z", "84700", 3000)}}}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	r := marketd(t, env, "export", "--source", "naver", "--symbols", "005930,000660", "--interval", "1m", "--from", "2026-10-05", "--to", "2026-10-05")
	want := `source,symbol,interval,start,open,high,low,close,volume
naver,005930,1m,2026-10-05T09:00:00+09:00,84500,84500,84500,84500,121000
naver,005930,1m,2026-10-05T15:29:00+09:00,84700,84700,84700,84700,3000
`
	if r.code != exitOK || r.stdout != want ||
		r.stderr != "export: 2 minute bars of 1 symbol (naver, 1m, 2026-10-05 to 2026-10-05, csv); no minute bars in the range for 000660\n" {
		t.Errorf("export --interval: exit %d\nstdout %s\nstderr %q", r.code, r.stdout, r.stderr)
	}
	r = marketd(t, env, "export", "--source", "naver", "--interval", "1m", "--format", "json")
	if r.code != exitOK || strings.Count(r.stdout, `"interval":"1m"`) != 3 || !strings.Contains(r.stdout, `"start":"2026-10-02T15:29:00+09:00"`) ||
		r.stderr != "export: 3 minute bars of 1 symbol (naver, 1m, first to last, json)\n" {
		t.Errorf("export --interval, whole source: exit %d\nstdout %s\nstderr %q", r.code, r.stdout, r.stderr)
	}
	for _, args := range [][]string{{"--interval", "1d"}, {"--interval", "1m", "--actions"}} {
		r = marketd(t, env, append([]string{"export", "--source", "naver"}, args...)...)
		if r.code != exitUsage {
			t.Errorf("export %v: exit %d, stderr %q; want a usage error", args, r.code, r.stderr)
		}
	}
}

// status shows the intraday table when an instrument archives minutes.
func TestStatusIntraday(t *testing.T) {
	env, path := tempDB(t)
	aapl := market.Instrument{Key: market.Key{Source: market.SourceYahoo, Symbol: "AAPL"}, Market: market.XNYS, Active: true, Intraday: market.Interval5m}
	seed(t, path, []market.Instrument{aapl}, nil)
	st := openSeeded(t, path)
	at, _ := time.Parse(time.RFC3339, "2026-10-08T19:55:00Z")
	if _, err := st.WriteMinutes(context.Background(), []store.MinuteWrite{{Key: aapl.Key, Interval: market.Interval5m,
		Bars: []market.MinuteBar{{Start: at, Close: dec("1")}}}}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	// Friday 2026-10-09 after the close: Thursday's last minute is behind.
	r := marketdAt(t, time.Date(2026, 10, 9, 21, 0, 0, 0, time.UTC), env, "status")
	if r.code != exitOK || !strings.Contains(r.stdout, `
MARKET  SOURCE  INTERVAL  INTRADAY  FRESH  BEHIND  LAST MINUTE                EXPECTED                   OLDEST LAST MINUTE
XNYS    yahoo   5m        1         0      1       2026-10-08T15:55:00-04:00  2026-10-09T15:55:00-04:00  2026-10-08T15:55:00-04:00
`) {
		t.Errorf("status: exit %d\n%s", r.code, r.stdout)
	}
}
