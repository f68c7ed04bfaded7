package main

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/marketd/marketd/cmd/marketd/internal/cli"
)

func TestCalendarShowYears(t *testing.T) {
	env, _ := tempDB(t)
	const before = "the XKRX holiday table covers 2000 to 2027\n"
	for _, tt := range []struct {
		market, year string
		stderr       string
	}{
		{"XKRX", "0", "marketd: --year 0: " + before},
		{"XKRX", "-5", "marketd: --year -5: " + before},
		{"XKRX", "1999", "marketd: --year 1999: " + before},
		// After the table, weekdays would pass for sessions: 1 January 2027 in Shanghai.
		{"XKRX", "2028", "marketd: --year 2028: the XKRX holiday table covers 2000 to 2027; 2028's sessions are inferred from the stored bars by the validator\n"},
		{"XNYS", "99999", "marketd: --year 99999: the XNYS holiday table covers 2000 to 2027; 99999's sessions are inferred from the stored bars by the validator\n"},
		{"XSHG", "2027", "marketd: --year 2027: the XSHG holiday table covers 2010 to 2026; 2027's sessions are inferred from the stored bars by the validator\n"},
	} {
		r := marketdAt(t, validateNow, env, "calendar", "show", tt.market, "--year="+tt.year)
		if r.code != cli.ExitUsage || r.stderr != tt.stderr || r.stdout != "" {
			t.Errorf("%s --year %s: exit %d, stdout %q, stderr %q; want exit %d, stderr %q", tt.market, tt.year, r.code, r.stdout, r.stderr, cli.ExitUsage, tt.stderr)
		}
	}

	// The table's first and last years are shown.
	for _, tt := range []struct{ market, year, summary string }{
		{"XNYS", "2027", "XNYS 2027: 251 sessions, 10 weekday closures"},
		{"XSHG", "2026", "XSHG 2026: 242 sessions, 19 weekday closures"},
	} {
		r := marketdAt(t, validateNow, env, "calendar", "show", tt.market, "--year", tt.year)
		if got := summaryLine(r.stdout); r.code != cli.ExitOK || got != tt.summary {
			t.Errorf("%s --year %s: exit %d, summary %q, want %q; %s", tt.market, tt.year, r.code, got, tt.summary, r.stderr)
		}
	}
	// Without --year: this year.
	r := marketdAt(t, validateNow, env, "calendar", "show", "XKRX")
	if got := summaryLine(r.stdout); r.code != cli.ExitOK || got != "XKRX 2026: 244 sessions, 17 weekday closures" {
		t.Errorf("no --year: exit %d, summary %q; %s", r.code, got, r.stderr)
	}
	// This year may have outrun the table too.
	r = marketdAt(t, time.Date(2027, 1, 4, 12, 0, 0, 0, time.UTC), env, "calendar", "show", "XSHG")
	if want := "marketd: this year, 2027: the XSHG holiday table covers 2010 to 2026; 2027's sessions are inferred from the stored bars by the validator; show a year of the table with --year\n"; r.code != cli.ExitUsage || r.stderr != want || r.stdout != "" {
		t.Errorf("XSHG in 2027: exit %d, stdout %q, stderr %q; want %q", r.code, r.stdout, r.stderr, want)
	}
}

func TestCalendarOverridesRefuseNoChange(t *testing.T) {
	env, _ := tempDB(t)
	for _, tt := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"close", "XKRX", "2026-10-10"}, "marketd: XKRX 2026-10-10 is already closed: a Saturday\n"},
		{[]string{"close", "XNYS", "2026-10-11"}, "marketd: XNYS 2026-10-11 is already closed: a Sunday\n"},
		{[]string{"close", "XKRX", "2026-10-09"}, "marketd: XKRX 2026-10-09 is already closed: Hangul Day\n"},
		{[]string{"open", "XKRX", "2026-10-13"}, "marketd: XKRX 2026-10-13 is not a holiday: it is already a session\n"},
		{[]string{"open", "XKRX", "2026-10-10"}, "marketd: XKRX 2026-10-10 is a Saturday, not a holiday: calendar open reopens holidays\n"},
		// The years calendar show refuses take no override either.
		{[]string{"close", "XKRX", "1990-06-05"}, "marketd: XKRX 1990-06-05: the XKRX holiday table covers 2000 to 2027\n"},
		{[]string{"close", "XKRX", "2031-06-03"}, "marketd: XKRX 2031-06-03: the XKRX holiday table covers 2000 to 2027; 2031's sessions are inferred from the stored bars by the validator\n"},
		{[]string{"open", "JPX", "2031-01-01"}, "marketd: XTKS 2031-01-01: the XTKS holiday table covers 2010 to 2027; 2031's sessions are inferred from the stored bars by the validator\n"},
	} {
		args := append(append([]string{"calendar"}, tt.args...), "--reason", "audit")
		r := marketdAt(t, validateNow, env, args...)
		if r.code != cli.ExitUsage || r.stderr != tt.stderr || r.stdout != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit %d, stderr %q", tt.args, r.code, r.stdout, r.stderr, cli.ExitUsage, tt.stderr)
		}
	}
	if r := marketdAt(t, validateNow, env, "calendar", "overrides"); r.code != cli.ExitOK || r.stderr != "0 calendar overrides: 0 in the configuration file, 0 in the database\n" {
		t.Errorf("after the refused overrides: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// Nothing was recorded: the year still has its 17 weekday closures.
	r := marketdAt(t, validateNow, env, "calendar", "show", "XKRX", "--year", "2026")
	if got := summaryLine(r.stdout); got != "XKRX 2026: 244 sessions, 17 weekday closures" {
		t.Errorf("after the refused overrides: %q", got)
	}

	// A holiday opens once; then it is a session.
	r = marketdAt(t, validateNow, env, "calendar", "open", "XKRX", "2026-10-09", "--reason", "traded after all")
	if r.code != cli.ExitOK || r.stdout != "XKRX 2026-10-09 recorded as open (traded after all)\n" {
		t.Errorf("open a holiday: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = marketdAt(t, validateNow, env, "calendar", "open", "XKRX", "2026-10-09", "--reason", "again")
	if want := "marketd: XKRX 2026-10-09 is not a holiday: it is already a session\n"; r.code != cli.ExitUsage || r.stderr != want {
		t.Errorf("open it again: exit %d, stderr %q; want %q", r.code, r.stderr, want)
	}
}

// summaryLine returns calendar show's last line, its counts.
func summaryLine(stdout string) string {
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	return lines[len(lines)-1]
}

func TestCalendarOverridesListAndReset(t *testing.T) {
	env, _ := tempDB(t)
	run := func(want int, args ...string) result {
		t.Helper()
		r := marketdAt(t, validateNow, env, append([]string{"calendar"}, args...)...)
		if r.code != want {
			t.Fatalf("calendar %v: exit %d, want %d\nstdout: %s\nstderr: %s", args, r.code, want, r.stdout, r.stderr)
		}
		return r
	}
	run(cli.ExitOK, "close", "XKRX", "2026-10-07", "--reason", "typhoon")
	run(cli.ExitOK, "open", "XKRX", "2026-10-09", "--reason", "traded after all")
	// The file comes later, with an override of a date the database already has.
	yaml := `calendar_overrides:
  - {market: XKRX, date: 2026-10-07, open: false, reason: "from the file"}
  - {market: KOSPI, date: 2026-12-30, open: false, reason: "year-end extra"}
  - {market: XNYS, date: 2026-12-24, open: false, reason: "storm"}
`
	if err := os.WriteFile("marketd.yaml", []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}

	header := "MARKET  DATE        DAY     FROM                          REASON\n"
	xkrx := "XKRX    2026-10-07  closed  config (the database's wins)  from the file\n" +
		"XKRX    2026-10-07  closed  database                      typhoon\n" +
		"XKRX    2026-10-09  open    database                      traded after all\n" +
		"XKRX    2026-12-30  closed  config                        year-end extra\n"
	xnys := "XNYS    2026-12-24  closed  config                        storm\n"
	if r := run(cli.ExitOK, "overrides"); r.stdout != header+xkrx+xnys || r.stderr != "5 calendar overrides: 3 in the configuration file, 2 in the database\n" {
		t.Errorf("overrides:\n%s%q\nwant:\n%s%s%s", r.stdout, r.stderr, header, xkrx, xnys)
	}
	// Every market of the registry is listed, not XKRX and XNYS only.
	run(cli.ExitOK, "close", "JPX", "2026-12-28", "--reason", "audit")
	xtks := "XTKS    2026-12-28  closed  database                      audit\n"
	if r := run(cli.ExitOK, "overrides"); r.stdout != header+xkrx+xnys+xtks || r.stderr != "6 calendar overrides: 3 in the configuration file, 3 in the database\n" {
		t.Errorf("overrides with XTKS:\n%s%q\nwant:\n%s%s%s%s", r.stdout, r.stderr, header, xkrx, xnys, xtks)
	}
	run(cli.ExitOK, "reset", "XTKS", "2026-12-28")
	// A board names its exchange.
	if r := run(cli.ExitOK, "overrides", "KOSPI"); r.stdout != header+xkrx || r.stderr != "4 calendar overrides: 2 in the configuration file, 2 in the database\n" {
		t.Errorf("overrides KOSPI:\n%s%q", r.stdout, r.stderr)
	}
	// The columns fit the rows shown.
	if r := run(cli.ExitOK, "overrides", "xnys"); r.stdout != "MARKET  DATE        DAY     FROM    REASON\nXNYS    2026-12-24  closed  config  storm\n" ||
		r.stderr != "1 calendar override: 1 in the configuration file, 0 in the database\n" {
		t.Errorf("overrides xnys:\n%s%q", r.stdout, r.stderr)
	}

	// 10-07 and 12-30 closed, 10-09 opened: one session fewer, one closure more.
	if got := summaryLine(run(cli.ExitOK, "show", "XKRX", "--year", "2026").stdout); got != "XKRX 2026: 243 sessions (1 from overrides), 18 weekday closures (2 from overrides)" {
		t.Errorf("show with overrides: %q", got)
	}

	if r := run(cli.ExitOK, "reset", "XKRX", "2026-10-07"); r.stdout != "XKRX 2026-10-07 override removed (was closed: typhoon); now closed: from the file\n" {
		t.Errorf("reset 10-07: %q", r.stdout)
	}
	if r := run(cli.ExitOK, "reset", "kospi", "2026-10-09"); r.stdout != "XKRX 2026-10-09 override removed (was open: traded after all); now closed: Hangul Day\n" {
		t.Errorf("reset 10-09: %q", r.stdout)
	}
	for _, tt := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"reset", "XKRX", "2026-10-07"}, "marketd: XKRX 2026-10-07 is overridden in the configuration file (marketd.yaml), not the database: edit its calendar_overrides to remove it\n"},
		{[]string{"reset", "XKRX", "2026-10-09"}, "marketd: XKRX 2026-10-09 has no stored calendar override (see marketd calendar overrides XKRX)\n"},
		{[]string{"reset", "XNYS", "2026-10-07"}, "marketd: XNYS 2026-10-07 has no stored calendar override (see marketd calendar overrides XNYS)\n"},
		{[]string{"reset", "XWAR", "2026-10-07"}, "marketd: unknown market \"XWAR\" (want a MIC such as XNYS, XKRX, XTKS, XLON or a name such as NYSE, KOSPI, JPX, LSE, XETRA)\n"},
		{[]string{"reset", "XKRX", "2026-10-32"}, "marketd: invalid date \"2026-10-32\": want YYYY-MM-DD\n"},
		{[]string{"overrides", "XWAR"}, "marketd: unknown market \"XWAR\" (want a MIC such as XNYS, XKRX, XTKS, XLON or a name such as NYSE, KOSPI, JPX, LSE, XETRA)\n"},
	} {
		if r := run(cli.ExitUsage, tt.args...); r.stdout != "" || r.stderr != tt.stderr {
			t.Errorf("%v: stdout %q, stderr %q; want stderr %q", tt.args, r.stdout, r.stderr, tt.stderr)
		}
	}
	if r := run(cli.ExitOK, "overrides", "XKRX"); r.stderr != "2 calendar overrides: 2 in the configuration file, 0 in the database\n" {
		t.Errorf("after the resets: %s%s", r.stdout, r.stderr)
	}
	if got := summaryLine(run(cli.ExitOK, "show", "XKRX", "--year", "2026").stdout); got != "XKRX 2026: 242 sessions, 19 weekday closures (2 from overrides)" {
		t.Errorf("show after the resets: %q", got)
	}
}
