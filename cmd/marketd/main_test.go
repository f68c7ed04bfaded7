package main

import (
	"bytes"
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
	"github.com/marketd/marketd/store/sqlite"

	"github.com/marketd/marketd/cmd/marketd/internal/cli"
)

// result is one in-process run of marketd.
type result struct {
	code           int
	stdout, stderr string
}

// marketd runs a command line in-process with environ as its whole
// environment, from an empty working directory (no ./marketd.yaml).
func marketd(t *testing.T, environ []string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, environ, &out, &errb)
	return result{code, out.String(), errb.String()}
}

// tempDB returns the environment pointing marketd at a fresh SQLite file,
// and the file's path.
func tempDB(t *testing.T) ([]string, string) {
	t.Helper()
	t.Chdir(t.TempDir())
	path := filepath.Join(t.TempDir(), "marketd.db")
	return []string{"MARKETD_DATABASE=sqlite:" + path}, path
}

func dec(s string) market.Decimal {
	d, err := market.ParseDecimal(s)
	if err != nil {
		panic(err)
	}
	return d
}

// openSeeded opens the SQLite store at path, migrated, closed when the
// test ends, for tests that write or read it directly.
func openSeeded(t *testing.T, path string) *store.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}

// seed stores instruments and bars directly through the store.
func seed(t *testing.T, path string, insts []market.Instrument, writes []store.Write) {
	t.Helper()
	ctx := context.Background()
	st := openSeeded(t, path)
	defer st.Close()
	if _, err := st.AddInstruments(ctx, insts); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Write(ctx, writes); err != nil {
		t.Fatal(err)
	}
}

func TestExitCodesAndMessages(t *testing.T) {
	tests := []struct {
		name    string
		env     []string
		args    []string
		code    int
		stderr  string
		notWant string
	}{
		{"unknown command", nil, []string{"frobnicate"}, cli.ExitUsage, `unknown command "frobnicate"`, ""},
		{"no command", nil, nil, cli.ExitUsage, "a command is required", ""},
		{"unknown flag", nil, []string{"status", "--frob"}, cli.ExitUsage, "unknown flag: --frob", ""},
		{"symbols without subcommand", nil, []string{"symbols"}, cli.ExitUsage, "symbols: which command? add, import, intraday, list or remove (see marketd symbols --help)", ""},
		{"export without source", nil, []string{"export"}, cli.ExitUsage, "--source is required", ""},
		{"export bad date", nil, []string{"export", "--source", "yahoo", "--from", "2026/01/02"}, cli.ExitUsage, `--from: invalid date "2026/01/02"`, ""},
		{"export bad format", nil, []string{"export", "--source", "yahoo", "--format", "xml"}, cli.ExitUsage, `--format "xml"`, ""},
		{"bad naver code", nil, []string{"symbols", "add", "--source", "naver", "5930"}, cli.ExitUsage, `naver symbol "5930"`, ""},
		{"symbol too long", nil, []string{"symbols", "add", "--source", "yahoo", "--market", "XNYS", strings.Repeat("A", 80)}, cli.ExitUsage, `yahoo symbol: invalid symbol "` + strings.Repeat("A", 40) + `"…: 80 bytes long, at most 32`, ""},
		{"symbol with a control character", nil, []string{"symbols", "add", "--source", "yahoo", "--market", "XNYS", "AB\x01C"}, cli.ExitUsage, `yahoo symbol: invalid symbol "AB\x01C": control character at byte 2`, ""},
		{"symbol not ASCII", nil, []string{"symbols", "add", "--source", "yahoo", "--market", "XNYS", "ÄBC"}, cli.ExitUsage, `yahoo symbol: invalid symbol "ÄBC": not ASCII`, ""},
		{"backfill symbol too long", nil, []string{"backfill", "--symbols", strings.Repeat("B", 33)}, cli.ExitUsage, `--symbols: invalid symbol "` + strings.Repeat("B", 33) + `"…: 33 bytes long, at most 32`, ""},
		{
			name: "mysql URL port out of range", env: []string{"MARKETD_DATABASE=mysql://root:s3cret@127.0.0.1:99999/marketd"},
			args: []string{"status"}, code: cli.ExitUsage, stderr: "invalid port 99999: want 1-65535", notWant: "s3cret",
		},
		{"bad log level flag", nil, []string{"--log-level", "loud", "status"}, cli.ExitUsage, `flag: log_level: "loud" is not debug`, ""},
		{
			name: "malformed mysql URL", env: []string{"MARKETD_DATABASE=mysql://root:s3cret@db:port/marketd"},
			args: []string{"status"}, code: cli.ExitUsage, stderr: "malformed mysql URL", notWant: "s3cret",
		},
		{
			name: "unknown scheme", env: []string{"MARKETD_DATABASE=postgres://root:s3cret@db/marketd"},
			args: []string{"migrate"}, code: cli.ExitUsage, stderr: `unknown scheme "postgres"`, notWant: "s3cret",
		},
		{
			name: "bad driver parameter", env: []string{"MARKETD_DATABASE=mysql://root:s3cret@127.0.0.1:3306/x?tls=maybe"},
			args: []string{"status"}, code: cli.ExitUsage, stderr: "unknown config name: maybe", notWant: "s3cret",
		},
		{
			name: "bad boolean driver parameter", env: []string{"MARKETD_DATABASE=mysql://root:s3cret@127.0.0.1:3306/x?interpolateParams=perhaps"},
			args: []string{"status"}, code: cli.ExitUsage, stderr: "parameter interpolateParams", notWant: "s3cret",
		},
		{
			name: "unreachable server", env: []string{"MARKETD_DATABASE=mysql://root:s3cret@127.0.0.1:1/marketd"},
			args: []string{"status"}, code: cli.ExitRuntime, stderr: "cannot reach server at 127.0.0.1:1", notWant: "s3cret",
		},
		{"version needs no config", []string{"MARKETD_DATABASE=nonsense"}, []string{"version"}, cli.ExitOK, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			r := marketd(t, tt.env, tt.args...)
			if r.code != tt.code {
				t.Errorf("exit code %d, want %d; stderr %q", r.code, tt.code, r.stderr)
			}
			if !strings.Contains(r.stderr, tt.stderr) {
				t.Errorf("stderr %q does not contain %q", r.stderr, tt.stderr)
			}
			if tt.code != cli.ExitOK && strings.Count(r.stderr, "\n") != 1 {
				t.Errorf("stderr is not one line: %q", r.stderr)
			}
			if tt.notWant != "" && strings.Contains(r.stdout+r.stderr, tt.notWant) {
				t.Errorf("output contains %q: %q", tt.notWant, r.stderr)
			}
		})
	}
}

func TestHelpHasExamples(t *testing.T) {
	for _, args := range [][]string{
		{"--help"}, {"migrate", "--help"}, {"export", "--help"}, {"symbols", "--help"}, {"symbols", "add", "--help"},
		{"symbols", "list", "--help"}, {"symbols", "remove", "--help"}, {"status", "--help"}, {"version", "--help"},
	} {
		t.Chdir(t.TempDir())
		r := marketd(t, nil, args...)
		if r.code != cli.ExitOK || !strings.Contains(r.stdout, "Examples:\n  marketd ") {
			t.Errorf("marketd %s: exit %d, no Examples section in %q", strings.Join(args, " "), r.code, r.stdout)
		}
	}
}

func TestVersion(t *testing.T) {
	var out, errb bytes.Buffer
	a := &app{stdout: &out, stderr: &errb, build: cli.BuildInfo{Version: "v1.2.3", Commit: "abc1234", Date: "2026-11-23T10:00:00Z", Go: "go1.26.8"}}
	root := newRootCmd(a)
	root.SetArgs([]string{"version"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	if want := "marketd v1.2.3 (commit abc1234, built 2026-11-23T10:00:00Z, go1.26.8)\n"; out.String() != want {
		t.Errorf("version printed %q, want %q", out.String(), want)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func regexpMatch(pattern, s string) bool { return regexp.MustCompile(pattern).MatchString(s) }
