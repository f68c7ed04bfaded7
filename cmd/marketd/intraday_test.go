package main

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/sourcetest"
	"github.com/marketd/marketd/store"

	"github.com/marketd/marketd/cmd/marketd/internal/cli"
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
		{[]string{"symbols", "add", "--source", "naver", "--intraday", "1m", "005930", "000660"}, cli.ExitOK,
			"symbols add: 2 added, 0 reactivated, 0 already active (naver); 1m minute bars archived for all 2\n", ""},
		{[]string{"symbols", "add", "--source", "naver", "--intraday", "1d", "035720"}, cli.ExitUsage,
			"", "marketd: --intraday: invalid intraday interval \"1d\": want 1m, 5m, 60m or off\n"},
		{[]string{"symbols", "add", "--source", "naver", "--intraday", "5m", "035720"}, cli.ExitUsage,
			"", "marketd: --intraday: naver serves no 5m bars: want 1m or off\n"},
		{[]string{"symbols", "add", "--source", "naver", "035720"}, cli.ExitOK,
			"symbols add: 1 added, 0 reactivated, 0 already active (naver)\n", ""},
		{[]string{"symbols", "intraday", "--source", "naver", "--interval", "5m", "000660", "035720"}, cli.ExitUsage,
			"", "marketd: --interval: naver serves no 5m bars: want 1m or off\n"},
		{[]string{"symbols", "intraday", "--source", "naver", "000660"}, cli.ExitUsage,
			"", "marketd: --interval: no interval given: want 1m, 5m, 60m or off\n"},
		{[]string{"symbols", "add", "--source", "naver", "--intraday", "1m", "005930"}, cli.ExitOK,
			"symbols add: 0 added, 0 reactivated, 1 already active (naver); 1m minute bars archived for all 1\n", ""},
		{[]string{"symbols", "intraday", "--source", "naver", "--interval", "1m", "000660", "035720"}, cli.ExitOK,
			"symbols intraday: 1 instrument set to 1m, 1 already (naver)\n", ""},
		{[]string{"symbols", "intraday", "--source", "naver", "--interval", "off", "005930", "999999"}, cli.ExitUsage,
			"", "marketd: symbols intraday: store: set intraday interval of naver:999999: no such instrument; nothing changed\n"},
		{[]string{"symbols", "intraday", "--source", "naver", "--interval", "off", "005930"}, cli.ExitOK,
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
	if want := map[string]market.Interval{"000660": market.Interval1m, "005930": 0, "035720": market.Interval1m}; len(got) != 3 ||
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
	if r.code != cli.ExitOK || r.stdout != want ||
		r.stderr != "export: 2 minute bars of 1 symbol (naver, 1m, 2026-10-05 to 2026-10-05, csv); no minute bars in the range for 000660\n" {
		t.Errorf("export --interval: exit %d\nstdout %s\nstderr %q", r.code, r.stdout, r.stderr)
	}
	r = marketd(t, env, "export", "--source", "naver", "--interval", "1m", "--format", "json")
	if r.code != cli.ExitOK || strings.Count(r.stdout, `"interval":"1m"`) != 3 || !strings.Contains(r.stdout, `"start":"2026-10-02T15:29:00+09:00"`) ||
		r.stderr != "export: 3 minute bars of 1 symbol (naver, 1m, first to last, json)\n" {
		t.Errorf("export --interval, whole source: exit %d\nstdout %s\nstderr %q", r.code, r.stdout, r.stderr)
	}
	for _, args := range [][]string{{"--interval", "1d"}, {"--interval", "1m", "--actions"}} {
		r = marketd(t, env, append([]string{"export", "--source", "naver"}, args...)...)
		if r.code != cli.ExitUsage {
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
	if r.code != cli.ExitOK || !strings.Contains(r.stdout, `
MARKET  SOURCE  INTERVAL  INTRADAY  FRESH  BEHIND  LAST MINUTE                EXPECTED                   OLDEST LAST MINUTE
XNYS    yahoo   5m        1         0      1       2026-10-08T15:55:00-04:00  2026-10-09T15:55:00-04:00  2026-10-08T15:55:00-04:00
`) {
		t.Errorf("status: exit %d\n%s", r.code, r.stdout)
	}
}

// backfill --interval fetches the simulated market's minutes through the
// real source: Naver's archive of the last week for a KRX code, each
// session as the market has it (the archive's oldest minute without its
// volume); a rerun finds them stored; --prepost without --interval and
// --gaps-only with it are refused.
func TestBackfillMinutes(t *testing.T) {
	sim := sourcetest.New(sourcetest.Options{Symbols: []sourcetest.Symbol{{Symbol: "005930"}}})
	url, stop := sim.Start()
	t.Cleanup(stop)
	env, path := tempDB(t)
	env = append(env, "MARKETD_SOURCES_NAVER_RATE=unlimited", "MARKETD_SOURCES_NAVER_FCHART_URL="+url,
		"MARKETD_SOURCES_NAVER_API_URL="+url, "MARKETD_SOURCES_NAVER_POLLING_URL="+url, "MARKETD_SOURCES_NAVER_MOBILE_URL="+url)
	key := market.Key{Source: market.SourceNaver, Symbol: "005930"}
	seed(t, path, []market.Instrument{{Key: key, Market: market.XKRX, Board: "KOSPI", Active: true}}, nil)
	args := []string{"backfill", "--source", "naver", "--symbols", "005930", "--interval", "1m"}
	r := marketd(t, env, args...)
	if r.code != cli.ExitOK {
		t.Fatalf("backfill --interval: exit %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
	}
	st := openSeeded(t, path)
	got, err := st.MinuteBars(context.Background(), key, market.Interval1m, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	seoul := market.ZoneOf(market.XKRX)
	var want []market.MinuteBar
	for i, b := range got {
		if d := market.DateOf(b.Start.In(seoul)); i == 0 || d != market.DateOf(got[i-1].Start.In(seoul)) {
			want = append(want, sim.MinuteTruth(key, market.Interval1m, d)...)
		}
	}
	if len(want) > 0 {
		want[0].Volume.Valid, want[0].Volume.V = false, 0
	}
	if len(got) == 0 || !reflect.DeepEqual(got, want) ||
		!strings.HasPrefix(r.stdout, fmt.Sprintf("backfill ok: 1 ok, 0 failed, 0 skipped; rows %d inserted, 0 changed, 0 unchanged; 1 requests", len(got))) {
		t.Fatalf("stored %d bars (the market's sessions hold %d), summary %s", len(got), len(want), r.stdout)
	}
	st.Close()
	r = marketd(t, env, args...)
	if r.code != cli.ExitOK || !strings.HasPrefix(r.stdout, "backfill ok: 0 ok, 0 failed, 1 skipped (already stored ") {
		t.Errorf("rerun: exit %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
	}
	for _, bad := range [][]string{{"backfill", "--all", "--prepost"}, {"backfill", "--all", "--interval", "1m", "--gaps-only"}, {"backfill", "--all", "--interval", "1d"}, {"backfill", "--all", "--interval", "1m", "--shared"}} {
		if r := marketd(t, env, bad...); r.code != cli.ExitUsage {
			t.Errorf("marketd %v: exit %d, stderr %q; want a usage error", bad, r.code, r.stderr)
		}
	}
}
