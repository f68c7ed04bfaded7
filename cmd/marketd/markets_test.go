package main

import (
	"strings"
	"testing"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"

	"github.com/marketd/marketd/cmd/marketd/internal/cli"
)

// Every command that takes a market takes any registered MIC and the
// common names, and calendar show without one lists the markets.
func TestMarketNames(t *testing.T) {
	env, path := tempDB(t)
	seed(t, path, []market.Instrument{
		{Key: market.Key{Source: market.SourceYahoo, Symbol: "7203.T"}, Market: "XTKS", Active: true},
		{Key: market.Key{Source: market.SourceYahoo, Symbol: "VOD.L"}, Market: "XLON", Active: true},
		{Key: market.Key{Source: market.SourceYahoo, Symbol: "AAPL"}, Market: market.XNYS, Active: true},
	}, nil)

	r := marketdAt(t, validateNow, env, "calendar", "show")
	for _, want := range []string{
		"MARKET  ALSO                                ZONE              HOLIDAYS     NAME\n",
		"XTKS    JPX,TSE,TYO                         Asia/Tokyo        2010-2027    Tokyo Stock Exchange\n",
		"XSHG    SSE                                 Asia/Shanghai     2010-2026    Shanghai Stock Exchange\n",
		"CRYPTO  CCC                                 UTC               none needed  Cryptocurrencies (every day, UTC dates)\n",
		"23 markets; marketd calendar show MARKET lists one's sessions (a market not listed is checked on sessions inferred from its bars)\n",
	} {
		if r.code != cli.ExitOK || !strings.Contains(r.stdout, want) {
			t.Errorf("calendar show: exit %d, stdout lacks %q:\n%s%s", r.code, want, r.stdout, r.stderr)
		}
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"calendar", "show", "JPX", "--year", "2026"}, "XTKS 2026: 242 sessions, 19 weekday closures"},
		{[]string{"calendar", "show", "tse", "--year", "2026"}, "XTKS 2026: 242 sessions, 19 weekday closures"},
		{[]string{"calendar", "show", "LSE", "--year", "2022"}, "XLON 2022: 250 sessions, 10 weekday closures"},
	} {
		if r := marketdAt(t, validateNow, env, tt.args...); r.code != cli.ExitOK || summaryLine(r.stdout) != tt.want {
			t.Errorf("%v: exit %d, summary %q, want %q; %s", tt.args, r.code, summaryLine(r.stdout), tt.want, r.stderr)
		}
	}
	if r := marketdAt(t, validateNow, env, "calendar", "close", "JPX", "2026-10-13", "--reason", "test"); r.code != cli.ExitOK ||
		r.stdout != "XTKS 2026-10-13 recorded as closed (test)\n" {
		t.Errorf("calendar close JPX: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}

	// status groups by market, and --market takes names.
	r = marketdAt(t, validateNow, env, "status", "--market", "JPX,LSE")
	want := "MARKET  SOURCE  INSTRUMENTS  ACTIVE  WITH BARS  LATEST BAR  FRESH  BEHIND  OLDEST WATERMARK\n" +
		"XLON    yahoo   1            1       0          -           0      1       -\n" +
		"XTKS    yahoo   1            1       0          -           0      1       -\n"
	if r.code != cli.ExitOK || !strings.Contains(r.stdout, want) || !strings.HasSuffix(r.stdout, "status: 2 instruments (2 active) in 2 market/source groups; latest bar -\n") {
		t.Errorf("status --market JPX,LSE: exit %d\n%s%s\nwant it to contain\n%s", r.code, r.stdout, r.stderr, want)
	}
	if r := marketdAt(t, validateNow, env, "gaps", "list", "--market", "XETRA"); r.code != cli.ExitOK || r.stdout != gapsHeader ||
		r.stderr != "0 open gaps or stale instruments, 0 bad bars, 0 acknowledged\n" {
		t.Errorf("gaps list --market XETRA: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = marketdAt(t, validateNow, env, "validate", "--market", "JPX", "--no-email", "--no-repair", "--lookback", "5")
	if want := "marketd: 1 stale — XTKS (2026-10-08)\n\nXTKS yahoo: 1 instrument, 5 sessions 2026-10-02..2026-10-08, 0 bars;"; r.code != cli.ExitProblems || !strings.HasPrefix(r.stdout, want) {
		t.Errorf("validate --market JPX: exit %d, stdout %q; want exit %d, stdout starting %q", r.code, r.stdout, cli.ExitProblems, want)
	}
	if r := marketdAt(t, validateNow, env, "backfill", "--market", "LSE", "--dry-run"); r.code != cli.ExitOK || !strings.HasPrefix(r.stdout, "yahoo:VOD.L: [1980-01-01..") {
		t.Errorf("backfill --market LSE --dry-run: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

// Instruments stored on a market the registry lacks (XWAR) are shown,
// validated on an inferred calendar and acknowledgeable.
func TestUnregisteredMarket(t *testing.T) {
	env, path := tempDB(t)
	var insts []market.Instrument
	var writes []store.Write
	for i, sym := range []string{"PKO.WA", "PZU.WA"} {
		k := market.Key{Source: market.SourceYahoo, Symbol: sym}
		insts = append(insts, market.Instrument{Key: k, Market: "XWAR", Active: true})
		w := store.Write{Key: k, Watermark: 20261007}
		for _, d := range []market.Date{20261005, 20261006, 20261007} {
			if sym == "PZU.WA" && d == 20261006 {
				continue
			}
			c := market.DecimalFromInt(int64(100 + i))
			w.Bars = append(w.Bars, market.Bar{Date: d, Open: market.Some(c), High: market.Some(c), Low: market.Some(c), Close: c, Volume: market.Some(int64(10))})
		}
		writes = append(writes, w)
	}
	seed(t, path, insts, writes)

	r := marketdAt(t, validateNow, env, "status")
	if want := "XWAR    yahoo   2            2       2          2026-10-07  2      0       2026-10-07\n"; r.code != cli.ExitOK || !strings.Contains(r.stdout, want) {
		t.Errorf("status: exit %d, stdout lacks %q:\n%s%s", r.code, want, r.stdout, r.stderr)
	}
	r = marketdAt(t, validateNow, env, "validate", "--no-email", "--no-repair", "--since", "2026-10-05")
	for _, want := range []string{
		"XWAR yahoo: 2 instruments, 3 sessions 2026-10-05..2026-10-07, 5 bars; 1 missing session, 0 market-wide, 0 stale, 0 bad bars\n" +
			"  calendar: no holiday table for XWAR: sessions inferred from the stored bars (a date is a session when 1 or more of the 2 instruments have a bar)\n",
		"XWAR\n- [gap, new] yahoo PZU.WA 2026-10-06: missing\n",
	} {
		if r.code != cli.ExitProblems || !strings.Contains(r.stdout, want) {
			t.Errorf("validate: exit %d, stdout lacks %q:\n%s%s", r.code, want, r.stdout, r.stderr)
		}
	}
	if r := marketdAt(t, validateNow, env, "gaps", "ack", "yahoo", "PZU.WA", "2026-10-06", "--reason", "suspended"); r.code != cli.ExitOK {
		t.Errorf("gaps ack on XWAR: exit %d, stderr %q", r.code, r.stderr)
	}
	if r := marketdAt(t, validateNow, env, "validate", "--no-email", "--no-repair", "--since", "2026-10-05"); r.code != cli.ExitOK {
		t.Errorf("validate after the ack: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
