package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/marketd/marketd/sources/market"

	"github.com/marketd/marketd/cmd/marketd/internal/cli"
)

// TestValidateWholeHistory checks --lookback 0 and the flags that do not
// go with it.
func TestValidateWholeHistory(t *testing.T) {
	env, path := tempDB(t)
	seedSessions(t, path, map[string][]market.Date{"005930": {20260916}})
	r := marketdAt(t, validateNow, env, "validate", "--lookback", "0", "--no-email", "--no-repair")
	if r.code != cli.ExitProblems {
		t.Fatalf("exit %d, want %d\n%s%s", r.code, cli.ExitProblems, r.stdout, r.stderr)
	}
	for _, want := range []string{
		// The whole history starts at the first stored bar.
		"XKRX naver: 2 instruments, 15 sessions 2026-09-15..2026-10-08, 29 bars; 1 missing session, 0 market-wide",
		"- [gap, new] naver 005930 2026-09-16: missing",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	if want := "marketd: 1 gap — XKRX (2026-10-08): problems found\n"; r.stderr != want {
		t.Errorf("stderr = %q, want %q", r.stderr, want)
	}
	r = marketdAt(t, validateNow, env, "validate", "--lookback", "0", "--no-email", "--no-repair", "--format", "json")
	var got struct{ Markets []map[string]any }
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("json: %v\n%s", err, r.stdout)
	}
	want := `[map[bad_bars:0 bars:29 from:2026-09-15 gap_sessions:1 instruments:2 market:XKRX market_missing:0 sessions:15 source:naver stale:0 to:2026-10-08 unchanged:0]]`
	if fmt.Sprint(got.Markets) != want {
		t.Errorf("json markets:\n got %v\nwant %s", got.Markets, want)
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
		if r.code != cli.ExitUsage || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("validate %v: exit %d, stderr %q; want %d and %q", tc.args, r.code, r.stderr, cli.ExitUsage, tc.want)
		}
	}
}
