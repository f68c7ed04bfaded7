package main

import (
	"strings"
	"testing"
)

func TestCalendarShowYears(t *testing.T) {
	env, _ := tempDB(t)
	for _, tt := range []struct {
		year   string
		stderr string
	}{
		{"0", "marketd: --year 0: the XKRX calendar has holidays for 2000 to 2027; show a year from 2000 to 2028\n"},
		{"-5", "marketd: --year -5: the XKRX calendar has holidays for 2000 to 2027; show a year from 2000 to 2028\n"},
		{"1999", "marketd: --year 1999: the XKRX calendar has holidays for 2000 to 2027; show a year from 2000 to 2028\n"},
		{"2029", "marketd: --year 2029: the XKRX calendar has holidays for 2000 to 2027; show a year from 2000 to 2028\n"},
		{"99999", "marketd: --year 99999: the XKRX calendar has holidays for 2000 to 2027; show a year from 2000 to 2028\n"},
	} {
		r := marketdAt(t, validateNow, env, "calendar", "show", "XKRX", "--year="+tt.year)
		if r.code != exitUsage || r.stderr != tt.stderr || r.stdout != "" {
			t.Errorf("--year %s: exit %d, stdout %q, stderr %q; want exit %d, stderr %q", tt.year, r.code, r.stdout, r.stderr, exitUsage, tt.stderr)
		}
	}

	// The year after the table is shown, with the warning.
	r := marketdAt(t, validateNow, env, "calendar", "show", "XNYS", "--year", "2028")
	first, _, _ := strings.Cut(r.stdout, "\n")
	warning := "warning: the XNYS holiday table ends in 2027; 2028 shows weekends and fixed-date holidays only\n"
	if r.code != exitOK || first != "XNYS 2028: 251 sessions, 9 weekday closures" || !strings.Contains(r.stdout, warning) {
		t.Errorf("--year 2028: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// Without --year: this year.
	r = marketdAt(t, validateNow, env, "calendar", "show", "XKRX")
	if first, _, _ := strings.Cut(r.stdout, "\n"); r.code != exitOK || first != "XKRX 2026: 244 sessions, 17 weekday closures" {
		t.Errorf("no --year: exit %d, first line %q; %s", r.code, first, r.stderr)
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
	} {
		args := append(append([]string{"calendar"}, tt.args...), "--reason", "audit")
		r := marketdAt(t, validateNow, env, args...)
		if r.code != exitUsage || r.stderr != tt.stderr || r.stdout != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit %d, stderr %q", tt.args, r.code, r.stdout, r.stderr, exitUsage, tt.stderr)
		}
	}
	// Nothing was recorded: the year still has its 17 weekday closures.
	r := marketdAt(t, validateNow, env, "calendar", "show", "XKRX", "--year", "2026")
	if first, _, _ := strings.Cut(r.stdout, "\n"); first != "XKRX 2026: 244 sessions, 17 weekday closures" {
		t.Errorf("after the refused overrides: %q", first)
	}

	// A holiday opens once; then it is a session.
	r = marketdAt(t, validateNow, env, "calendar", "open", "XKRX", "2026-10-09", "--reason", "traded after all")
	if r.code != exitOK || r.stdout != "XKRX 2026-10-09 recorded as open (traded after all)\n" {
		t.Errorf("open a holiday: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = marketdAt(t, validateNow, env, "calendar", "open", "XKRX", "2026-10-09", "--reason", "again")
	if want := "marketd: XKRX 2026-10-09 is not a holiday: it is already a session\n"; r.code != exitUsage || r.stderr != want {
		t.Errorf("open it again: exit %d, stderr %q; want %q", r.code, r.stderr, want)
	}
}
