package main

import (
	"bytes"
	"context"
	"testing"
)

func TestUnknownCommandSuggests(t *testing.T) {
	for _, tt := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"stauts"}, "marketd: unknown command \"stauts\": did you mean status? (marketd --help lists the commands)\n"},
		{[]string{"c"}, "marketd: unknown command \"c\": did you mean collect, calendar or config? (marketd --help lists the commands)\n"},
		{[]string{"frobnicate"}, "marketd: unknown command \"frobnicate\" (marketd --help lists the commands)\n"},
		{[]string{"calendar", "shwo", "XKRX"}, "marketd: unknown command \"shwo\": did you mean show? (marketd calendar --help lists the commands)\n"},
	} {
		t.Chdir(t.TempDir())
		r := marketd(t, []string{"MARKETD_DATABASE=sqlite:m.db"}, tt.args...)
		if r.code != exitUsage || r.stderr != tt.stderr || r.stdout != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit %d, stderr %q", tt.args, r.code, r.stdout, r.stderr, exitUsage, tt.stderr)
		}
	}
}

// --version prints marketd version's line, without loading the configuration.
func TestVersionFlag(t *testing.T) {
	var out, errb bytes.Buffer
	a := &app{stdout: &out, stderr: &errb, environ: []string{"MARKETD_DATABASE=nonsense"},
		build: buildInfo{Version: "v1.2.3", Commit: "abc1234", Date: "2026-11-23T10:00:00Z", Go: "go1.26.8"}}
	code := a.execute(context.Background(), []string{"--version"})
	if want := "marketd v1.2.3 (commit abc1234, built 2026-11-23T10:00:00Z, go1.26.8)\n"; code != exitOK || out.String() != want || errb.String() != "" {
		t.Errorf("--version: exit %d, stdout %q, stderr %q; want 0, %q", code, out.String(), errb.String(), want)
	}
}
