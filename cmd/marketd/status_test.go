package main

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"

	"github.com/marketd/marketd/cmd/marketd/internal/cli"
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
	if r := marketd(t, env, "collect", "--source", "yahoo"); r.code != cli.ExitRuntime {
		t.Fatalf("collect: exit %d, stderr %q; want %d", r.code, r.stderr, cli.ExitRuntime)
	}

	r := marketd(t, env, "status")
	notFound := func(sym string) string {
		return "yahoo:" + sym + ": yahoo " + sym + ": symbol not found (No data found, symbol may be delisted)"
	}
	want := regexp.MustCompile(`(?m)^collect +[0-9TZ:-]+ +1 +partial +1 +5 +0 +252/0 +` + regexp.QuoteMeta(
		"failed: "+notFound("GONE1")+"; "+notFound("GONE2")+"; "+notFound("GONE3")+"; and 2 more") + "$")
	if r.code != cli.ExitOK || !want.MatchString(r.stdout) {
		t.Errorf("status: exit %d; want a collect line matching %s in\n%s", r.code, want, r.stdout)
	}

	// The run in full names every one of them.
	r = marketd(t, env, "status", "--run", "1")
	_, table, _ := strings.Cut(r.stdout, "\n\n")
	wantTable := `SOURCE  SYMBOL  STATUS  FROM        TO          ROWS  ERROR\n`
	for _, sym := range []string{"GONE1", "GONE2", "GONE3", "GONE4", "GONE5"} {
		// The dates are the year collect asked for, up to today.
		wantTable += `yahoo   ` + sym + `   failed  \d{4}-\d\d-\d\d  \d{4}-\d\d-\d\d  0     ` + regexp.QuoteMeta(notFound(sym)[len("yahoo:"+sym+": "):]) + `\n`
	}
	wantTable += `run 1: 6 instrument results: 1 ok, 5 failed\n`
	if r.code != cli.ExitOK || !regexp.MustCompile(`^`+wantTable+`$`).MatchString(table) || r.stderr != "" {
		t.Errorf("status --run 1: exit %d, stderr %q, stdout\n%s\nwant after the counts\n%s", r.code, r.stderr, r.stdout, wantTable)
	}
}

// seedRuns stores a partial collect run (ID 1) with a result of every
// status, nine repair runs (IDs 2 to 10) and a backfill still running (ID 11).
func seedRuns(t *testing.T, path string) {
	t.Helper()
	ctx := context.Background()
	st := openSeeded(t, path)
	defer st.Close()
	t0 := time.Date(2026, 9, 29, 6, 40, 0, 0, time.UTC)
	yahoo := func(sym string) market.Key { return market.Key{Source: market.SourceYahoo, Symbol: sym} }
	naver := func(sym string) market.Key { return market.Key{Source: market.SourceNaver, Symbol: sym} }
	collect := &store.Run{Job: "collect", Host: "ip-10-0-0-1", Started: t0}
	if err := st.StartRun(ctx, collect); err != nil {
		t.Fatal(err)
	}
	collect.Finished, collect.Status = t0.Add(95*time.Second), store.RunPartial
	collect.OK, collect.Failed, collect.Skipped = 1, 4, 1
	collect.Requests, collect.Throttled, collect.Retries = 12, 2, 3
	collect.Inserted, collect.Changed, collect.Unchanged = 6, 1, 0
	collect.Message = "4 of 7 failed"
	collect.Results = []store.RunResult{
		{Key: yahoo("AAPL"), Status: "ok", From: 20260922, To: 20260929, Rows: 6},
		{Key: yahoo("GONE1"), Status: "failed", Error: "yahoo GONE1: symbol not found"},
		{Key: yahoo("GONE2"), Status: "failed", Error: "yahoo GONE2: symbol not found"},
		{Key: naver("0193T0"), Status: "failed", From: 20260922, To: 20260929, Error: "naver 0193T0: HTTP 503"},
		{Key: naver("000660"), Status: "failed", From: 20260922, To: 20260929, Rows: 2, Error: "naver 000660: parse: no close on 2026-09-24"},
		{Key: naver("035720"), Status: "nodata", From: 20260922, To: 20260929},
		{Key: naver("247540"), Status: "skipped"},
	}
	if err := st.FinishRun(ctx, collect); err != nil {
		t.Fatal(err)
	}
	for i := range 9 {
		repair := &store.Run{Job: "repair", Host: "ip-10-0-0-2", Started: t0.Add(time.Duration(i+1) * time.Hour)}
		if err := st.StartRun(ctx, repair); err != nil {
			t.Fatal(err)
		}
		repair.Finished, repair.Status, repair.OK, repair.Inserted = repair.Started.Add(time.Minute), store.RunOK, 2, i
		if err := st.FinishRun(ctx, repair); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.StartRun(ctx, &store.Run{Job: "backfill", Started: t0.Add(12 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
}

// status shows each job's last run ID, and status --run shows one run in
// full: every instrument whose result was not ok, in (source, symbol) order.
func TestStatusRun(t *testing.T) {
	env, path := tempDB(t)
	seedRuns(t, path)

	r := marketd(t, env, "status")
	jobs := r.stdout[strings.Index(r.stdout, "JOB "):]
	// The default configuration schedules collect-krx, collect-yahoo,
	// validate and the four intraday jobs.
	// Run 11 was left "running" on 2026-09-29 by a process gone since: abandoned.
	want := "JOB                 LAST RUN              RUN ID  STATUS     OK  FAILED  SKIPPED  ROWS IN/CHANGED  MESSAGE\n" +
		"collect             2026-09-29T06:40:00Z  1       partial    1   4       1        6/1              4 of 7 failed; failed: naver:000660: naver 000660: parse: no close on 2026-09-24; naver:0193T0: naver 0193T0: HTTP 503; yahoo:GONE1: yahoo GONE1: symbol not found; and 1 more\n" +
		"backfill            2026-09-29T18:40:00Z  11      abandoned  0   0       0        0/0              abandoned: no heartbeat from an unknown host since 2026-09-29T18:40:00Z; the next run resumes from the watermarks\n" +
		"repair              2026-09-29T15:40:00Z  10      ok         2   0       0        8/0              \n" +
		"collect-krx         never                 -       -                                                \n" +
		"collect-yahoo       never                 -       -                                                \n" +
		"validate            never                 -       -                                                \n" +
		"live-naver          never                 -       -                                                \n" +
		"intraday-naver      never                 -       -                                                \n" +
		"intraday-yahoo      never                 -       -                                                \n" +
		"intraday-retention  never                 -       -                                                \n" +
		"status: 0 instruments (0 active) in 0 market/source groups; latest bar -\n"
	if r.code != cli.ExitOK || jobs != want {
		t.Errorf("status: exit %d, stderr %q, jobs\n%q\nwant\n%q", r.code, r.stderr, jobs, want)
	}

	r = marketd(t, env, "status", "--run", "1")
	want = `run:          1
job:          collect
host:         ip-10-0-0-1
started:      2026-09-29T06:40:00Z
finished:     2026-09-29T06:41:35Z (took 1m35s)
status:       partial
instruments:  1 ok, 4 failed, 1 skipped
requests:     12 (2 throttled, 3 retries)
rows:         6 inserted, 1 changed, 0 unchanged
message:      4 of 7 failed

SOURCE  SYMBOL  STATUS   FROM        TO          ROWS  ERROR
naver   000660  failed   2026-09-22  2026-09-29  2     naver 000660: parse: no close on 2026-09-24
naver   0193T0  failed   2026-09-22  2026-09-29  0     naver 0193T0: HTTP 503
naver   035720  nodata   2026-09-22  2026-09-29  0     -
naver   247540  skipped  -           -           0     -
yahoo   GONE1   failed   -           -           0     yahoo GONE1: symbol not found
yahoo   GONE2   failed   -           -           0     yahoo GONE2: symbol not found
run 1: 7 instrument results: 1 ok, 4 failed, 1 nodata, 1 skipped
`
	if r.code != cli.ExitOK || r.stdout != want || r.stderr != "" {
		t.Errorf("status --run 1: exit %d, stderr %q, stdout\n%s\nwant\n%s", r.code, r.stderr, r.stdout, want)
	}

	r = marketd(t, env, "status", "--run", "11")
	want = `run:          11
job:          backfill
host:         -
started:      2026-09-29T18:40:00Z
finished:     2026-09-29T18:40:00Z (took 0s)
status:       abandoned
instruments:  0 ok, 0 failed, 0 skipped
requests:     0 (0 throttled, 0 retries)
rows:         0 inserted, 0 changed, 0 unchanged
message:      abandoned: no heartbeat from an unknown host since 2026-09-29T18:40:00Z; the next run resumes from the watermarks
run 11: no instrument results
`
	if r.code != cli.ExitOK || r.stdout != want || r.stderr != "" {
		t.Errorf("status --run 11: exit %d, stderr %q, stdout\n%s\nwant\n%s", r.code, r.stderr, r.stdout, want)
	}

	for _, tt := range []struct{ id, stderr string }{
		{"12", "marketd: --run 12: no run has this ID (see the RUN ID column of marketd status)\n"},
		{"0", "marketd: --run 0: no run has this ID (see the RUN ID column of marketd status)\n"},
		{"last", "marketd: --run \"last\": ID must be a whole number\n"},
	} {
		if r := marketd(t, env, "status", "--run", tt.id); r.code != cli.ExitUsage || r.stdout != "" || r.stderr != tt.stderr {
			t.Errorf("status --run %s: exit %d, stdout %q, stderr %q; want exit %d, stderr %q", tt.id, r.code, r.stdout, r.stderr, cli.ExitUsage, tt.stderr)
		}
	}
}
