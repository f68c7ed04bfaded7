package main

import (
	"strings"
	"testing"

	"github.com/marketd/marketd/sources/market"
)

// TestValidateWholeHistory checks --lookback 0 and the flags that do not
// go with it.
func TestValidateWholeHistory(t *testing.T) {
	env, path := tempDB(t)
	seedSessions(t, path, map[string][]market.Date{"005930": {20260916}})
	r := marketdAt(t, validateNow, env, "validate", "--lookback", "0", "--no-email", "--no-repair")
	if r.code != exitProblems {
		t.Fatalf("exit %d, want %d\n%s%s", r.code, exitProblems, r.stdout, r.stderr)
	}
	for _, want := range []string{
		// The whole history starts at the first stored bar.
		"XKRX naver: 2 instruments, 15 sessions 2026-09-15..2026-10-08, 29 bars; 1 missing sessions",
		"- [gap, new] naver 005930 2026-09-16: missing",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--since", "2026-09-01", "--lookback", "5"}, "--since and --lookback: give one or the other"},
		{[]string{"--lookback", "-1"}, "--lookback -1: want 0 (the whole history) or more sessions"},
		{[]string{"--since", "2030-01-01"}, "--since 2030-01-01: the date is in the future"},
	} {
		r := marketdAt(t, validateNow, env, append([]string{"validate", "--no-email"}, tc.args...)...)
		if r.code != exitUsage || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("validate %v: exit %d, stderr %q; want %d and %q", tc.args, r.code, r.stderr, exitUsage, tc.want)
		}
	}
}
