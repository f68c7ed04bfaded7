package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/marketd/marketd/cmd/marketd/internal/cli"
)

func TestUnknownCommandSuggests(t *testing.T) {
	for _, tt := range []usageCase{
		{[]string{"stauts"}, "marketd: unknown command \"stauts\": did you mean status? (marketd --help lists the commands)\n"},
		{[]string{"c"}, "marketd: unknown command \"c\": did you mean collect, calendar or config? (marketd --help lists the commands)\n"},
		{[]string{"frobnicate"}, "marketd: unknown command \"frobnicate\" (marketd --help lists the commands)\n"},
		{[]string{"calendar", "shwo", "XKRX"}, "marketd: unknown command \"shwo\": did you mean show? (marketd calendar --help lists the commands)\n"},
	} {
		wantUsage(t, tt.args, tt.stderr)
	}
}

// --version prints marketd version's line, without loading the configuration.
func TestVersionFlag(t *testing.T) {
	var out, errb bytes.Buffer
	a := &app{stdout: &out, stderr: &errb, environ: []string{"MARKETD_DATABASE=nonsense"},
		build: cli.BuildInfo{Version: "v1.2.3", Commit: "abc1234", Date: "2026-11-23T10:00:00Z", Go: "go1.26.8"}}
	code := a.execute(context.Background(), []string{"--version"})
	if want := "marketd v1.2.3 (commit abc1234, built 2026-11-23T10:00:00Z, go1.26.8)\n"; code != cli.ExitOK || out.String() != want || errb.String() != "" {
		t.Errorf("--version: exit %d, stdout %q, stderr %q; want 0, %q", code, out.String(), errb.String(), want)
	}
}

// Arguments and flag values marketd cannot take are usage errors in its
// own words, not cobra's or strconv's.
func TestArgumentAndFlagErrors(t *testing.T) {
	for _, tt := range []usageCase{
		{[]string{"symbols", "add", "--source", "yahoo"}, "marketd: symbols add: give at least one SYMBOL\n"},
		{[]string{"symbols", "remove", "--source", "yahoo"}, "marketd: symbols remove: give at least one SYMBOL\n"},
		{[]string{"calendar", "close", "XKRX"}, "marketd: calendar close: give MARKET DATE\n"},
		{[]string{"calendar", "open", "XKRX", "2026-10-09", "x"}, "marketd: calendar open: too many arguments (3): want MARKET DATE\n"},
		{[]string{"calendar", "show", "XKRX", "XNYS"}, "marketd: calendar show: too many arguments (2): want [MARKET]\n"},
		{[]string{"gaps", "ack", "naver", "005930"}, "marketd: gaps ack: give SOURCE SYMBOL DATE[..DATE]\n"},
		{[]string{"status", "x"}, "marketd: status takes no arguments (got \"x\"); see marketd status --help\n"},
		{[]string{"notify", "--unit-failed", "a.service", "b"}, "marketd: notify takes no arguments (got \"b\"); see marketd notify --help\n"},
		{[]string{"status", "--run", "abc"}, "marketd: --run \"abc\": ID must be a whole number\n"},
		{[]string{"calendar", "show", "XNYS", "--year", "abc"}, "marketd: --year \"abc\": year must be a whole number\n"},
		{[]string{"gaps", "list", "--lookback", "1.5"}, "marketd: --lookback \"1.5\": sessions must be a whole number\n"},
		{[]string{"backfill", "--all", "--force=maybe"}, "marketd: --force=maybe: want true or false\n"},
		{[]string{"backfill", "--all", "--gaps-only", "--force"}, "marketd: --gaps-only and --force: give one or the other\n"},
	} {
		wantUsage(t, tt.args, tt.stderr)
	}
}

// A command that only groups others, run alone, names them, in one wording.
func TestGroupWithoutCommand(t *testing.T) {
	for _, tt := range []usageCase{
		{[]string{"config"}, "marketd: config: which command? check (see marketd config --help)\n"},
		{[]string{"gaps"}, "marketd: gaps: which command? ack, list or unack (see marketd gaps --help)\n"},
		{[]string{"calendar"}, "marketd: calendar: which command? close, open, overrides, reset or show (see marketd calendar --help)\n"},
	} {
		wantUsage(t, tt.args, tt.stderr)
	}
	r := marketd(t, nil, "config", "--help")
	if want := "Examples:\n  marketd config check\n"; r.code != cli.ExitOK || !strings.Contains(r.stdout, want) {
		t.Errorf("config --help: exit %d, no %q in\n%s", r.code, want, r.stdout)
	}
}

// usageCase is a command line and the usage error it must print.
type usageCase struct {
	args   []string
	stderr string
}

// wantUsage runs args from an empty directory and wants exit 2 with
// stderr exactly, and nothing on stdout.
func wantUsage(t *testing.T, args []string, stderr string) {
	t.Helper()
	t.Chdir(t.TempDir())
	r := marketd(t, []string{"MARKETD_DATABASE=sqlite:m.db"}, args...)
	if r.code != cli.ExitUsage || r.stderr != stderr || r.stdout != "" {
		t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit %d, stderr %q", args, r.code, r.stdout, r.stderr, cli.ExitUsage, stderr)
	}
}
