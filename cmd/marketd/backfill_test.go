package main

import (
	"testing"

	"github.com/marketd/marketd/cmd/marketd/internal/cli"
	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

func TestBackfillRefusesContradictions(t *testing.T) {
	env, path := tempDB(t)
	seed(t, path, boardInstruments, nil)
	// validateNow is 2026-10-08 22:00 KST: XKRX has closed 2026-10-08,
	// XNYS (09:00 in New York) last closed 2026-10-07.
	for _, tt := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"--all", "--symbols", "AAPL"},
			"marketd: --all and --symbols: give one or the other\n"},
		{[]string{"--all", "--gaps-only", "--force"},
			"marketd: --gaps-only and --force: give one or the other\n"},
		{[]string{"--all", "--gaps-only", "--shared"},
			"marketd: --gaps-only and --shared: give one or the other\n"},
		{[]string{"--all", "--from", "2027-01-01"},
			"marketd: --from 2027-01-01 is after the last closed session (2026-10-08): nothing to backfill yet\n"},
		{[]string{"--all", "--from", "2026-10-09", "--to", "2026-10-30"},
			"marketd: --from 2026-10-09 is after the last closed session (2026-10-08): nothing to backfill yet\n"},
		{[]string{"--market", "XNYS", "--from", "2026-10-08"},
			"marketd: --from 2026-10-08 is after the last closed session (2026-10-07): nothing to backfill yet\n"},
	} {
		r := marketdAt(t, validateNow, env, append([]string{"backfill"}, tt.args...)...)
		if r.code != cli.ExitUsage || r.stderr != tt.stderr || r.stdout != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit %d, stderr %q", tt.args, r.code, r.stdout, r.stderr, cli.ExitUsage, tt.stderr)
		}
	}
	// SQLite serves one host: a shared backfill says so and does nothing.
	r := marketdAt(t, validateNow, env, "backfill", "--all", "--shared")
	if want := "marketd: collector: a shared backfill: store: the database serves one host: sqlite keeps a run on one host; work units need MySQL 8.0+ or MariaDB 10.6+\n"; r.code != cli.ExitRuntime || r.stderr != want || r.stdout != "" {
		t.Errorf("--shared on SQLite: exit %d, stdout %q, stderr %q; want exit %d, stderr %q", r.code, r.stdout, r.stderr, cli.ExitRuntime, want)
	}
	// The last closed session itself is accepted.
	r = marketdAt(t, validateNow, env, "backfill", "--source", "naver", "--symbols", "005930", "--from", "2026-10-08", "--to", "2026-10-08", "--dry-run")
	want := "naver:005930: [2026-10-08..2026-10-08]\nnaver: 1 request, about 1s at the configured rate\n1 instrument, 0 already covered\n"
	if r.code != cli.ExitOK || r.stdout != want {
		t.Errorf("--from the last closed session: exit %d, stdout %q, stderr %q; want %q", r.code, r.stdout, r.stderr, want)
	}
}

// backfill --gaps-only plans the validator's gaps: a session closed by a
// stored calendar override is no gap, and an acknowledged one is not either.
func TestBackfillGapsOnlyHonoursOverrides(t *testing.T) {
	env, path := tempDB(t)
	aapl := market.Key{Source: market.SourceYahoo, Symbol: "AAPL"}
	var bars []market.Bar
	for _, d := range []market.Date{20260914, 20260915, 20260917, 20260918} { // 2026-09-16 missing
		bars = append(bars, market.Bar{Date: d, Open: market.Some(dec("10")), High: market.Some(dec("11")), Low: market.Some(dec("9")), Close: dec("10.5"), Volume: market.Some[int64](100), Final: true})
	}
	seed(t, path, []market.Instrument{{Key: aapl, Market: market.XNYS, Active: true}},
		[]store.Write{{Key: aapl, Bars: bars}})
	args := []string{"backfill", "--gaps-only", "--symbols", "AAPL", "--from", "2026-09-14", "--to", "2026-09-18", "--dry-run"}
	r := marketd(t, env, args...)
	if want := "yahoo:AAPL: [2026-09-16..2026-09-16]\nyahoo: 1 request, about 7s at the configured rate\n1 instrument, 0 already covered\n"; r.code != cli.ExitOK || r.stdout != want {
		t.Fatalf("before the override: exit %d, stdout %q, stderr %q; want %q", r.code, r.stdout, r.stderr, want)
	}
	if r := marketd(t, env, "calendar", "close", "XNYS", "2026-09-16", "--reason", "storm"); r.code != cli.ExitOK {
		t.Fatalf("calendar close: exit %d, stderr %q", r.code, r.stderr)
	}
	r = marketd(t, env, args...)
	if want := "yahoo:AAPL: skip (no gaps)\nyahoo: 0 requests, about 0s at the configured rate\n1 instrument, 1 already covered\n"; r.code != cli.ExitOK || r.stdout != want {
		t.Errorf("after calendar close XNYS 2026-09-16: exit %d, stdout %q, stderr %q; want %q", r.code, r.stdout, r.stderr, want)
	}
}

// The resume hint repeats each --set, quotes what a shell would split, and
// leaves out a value that carries a secret: it is printed and kept in the
// run log.
func TestResumeCommand(t *testing.T) {
	a := &app{}
	a.cfg.Email.Password = "SEKRET9"
	root := newRootCmd(a)
	args := []string{"--set", "email.password=SEKRET9", "--set", "sources.yahoo.rate=6/m", "backfill",
		"--source", "yahoo", "--force", "--from", "2025-06-01", "--symbols", "AAPL,BRK-B"}
	cmd, rest, err := root.Find(args)
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.ParseFlags(rest); err != nil {
		t.Fatal(err)
	}
	want := "marketd backfill --force=true --from=2025-06-01 --set=sources.yahoo.rate=6/m --source=yahoo --symbols=AAPL,BRK-B" +
		"   # plus the --set values with secrets, left out here"
	if got := cli.ResumeCommand(cmd, a.cfg.RedactString); got != want {
		t.Errorf("resume hint:\n%s\nwant\n%s", got, want)
	}
}
