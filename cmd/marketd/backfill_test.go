package main

import "testing"

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
			"marketd: if any flags in the group [all symbols] are set none of the others can be; [all symbols] were all set\n"},
		{[]string{"--all", "--gaps-only", "--force"},
			"marketd: if any flags in the group [gaps-only force] are set none of the others can be; [force gaps-only] were all set\n"},
		{[]string{"--all", "--from", "2027-01-01"},
			"marketd: --from 2027-01-01 is after the last closed session (2026-10-08): nothing to backfill yet\n"},
		{[]string{"--all", "--from", "2026-10-09", "--to", "2026-10-30"},
			"marketd: --from 2026-10-09 is after the last closed session (2026-10-08): nothing to backfill yet\n"},
		{[]string{"--market", "XNYS", "--from", "2026-10-08"},
			"marketd: --from 2026-10-08 is after the last closed session (2026-10-07): nothing to backfill yet\n"},
	} {
		r := marketdAt(t, validateNow, env, append([]string{"backfill"}, tt.args...)...)
		if r.code != exitUsage || r.stderr != tt.stderr || r.stdout != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit %d, stderr %q", tt.args, r.code, r.stdout, r.stderr, exitUsage, tt.stderr)
		}
	}
	// The last closed session itself is accepted.
	r := marketdAt(t, validateNow, env, "backfill", "--source", "naver", "--symbols", "005930", "--from", "2026-10-08", "--to", "2026-10-08", "--dry-run")
	want := "naver:005930: [2026-10-08..2026-10-08]\nnaver: 1 requests, about 1s at the configured rate\n1 instruments, 0 already covered\n"
	if r.code != exitOK || r.stdout != want {
		t.Errorf("--from the last closed session: exit %d, stdout %q, stderr %q; want %q", r.code, r.stdout, r.stderr, want)
	}
}
