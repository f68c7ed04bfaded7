package main

import (
	"bytes"
	"context"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
	"github.com/marketd/marketd/store/sqlite"
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
		{"unknown command", nil, []string{"frobnicate"}, exitUsage, `unknown command "frobnicate"`, ""},
		{"no command", nil, nil, exitUsage, "a command is required", ""},
		{"unknown flag", nil, []string{"status", "--frob"}, exitUsage, "unknown flag: --frob", ""},
		{"symbols without subcommand", nil, []string{"symbols"}, exitUsage, "symbols: which command? add, import, intraday, list or remove (see marketd symbols --help)", ""},
		{"export without source", nil, []string{"export"}, exitUsage, "--source is required", ""},
		{"export bad date", nil, []string{"export", "--source", "yahoo", "--from", "2026/01/02"}, exitUsage, `--from: invalid date "2026/01/02"`, ""},
		{"export bad format", nil, []string{"export", "--source", "yahoo", "--format", "xml"}, exitUsage, `--format "xml"`, ""},
		{"bad naver code", nil, []string{"symbols", "add", "--source", "naver", "5930"}, exitUsage, `naver symbol "5930"`, ""},
		{"symbol too long", nil, []string{"symbols", "add", "--source", "yahoo", "--market", "XNYS", strings.Repeat("A", 80)}, exitUsage, `yahoo symbol: invalid symbol "` + strings.Repeat("A", 40) + `"…: 80 bytes long, at most 32`, ""},
		{"symbol with a control character", nil, []string{"symbols", "add", "--source", "yahoo", "--market", "XNYS", "AB\x01C"}, exitUsage, `yahoo symbol: invalid symbol "AB\x01C": control character at byte 2`, ""},
		{"symbol not ASCII", nil, []string{"symbols", "add", "--source", "yahoo", "--market", "XNYS", "ÄBC"}, exitUsage, `yahoo symbol: invalid symbol "ÄBC": not ASCII`, ""},
		{"backfill symbol too long", nil, []string{"backfill", "--symbols", strings.Repeat("B", 33)}, exitUsage, `--symbols: invalid symbol "` + strings.Repeat("B", 33) + `"…: 33 bytes long, at most 32`, ""},
		{
			name: "mysql URL port out of range", env: []string{"MARKETD_DATABASE=mysql://root:s3cret@127.0.0.1:99999/marketd"},
			args: []string{"status"}, code: exitUsage, stderr: "invalid port 99999: want 1-65535", notWant: "s3cret",
		},
		{"bad log level flag", nil, []string{"--log-level", "loud", "status"}, exitUsage, `flag: log_level: "loud" is not debug`, ""},
		{
			name: "malformed mysql URL", env: []string{"MARKETD_DATABASE=mysql://root:s3cret@db:port/marketd"},
			args: []string{"status"}, code: exitUsage, stderr: "malformed mysql URL", notWant: "s3cret",
		},
		{
			name: "unknown scheme", env: []string{"MARKETD_DATABASE=postgres://root:s3cret@db/marketd"},
			args: []string{"migrate"}, code: exitUsage, stderr: `unknown scheme "postgres"`, notWant: "s3cret",
		},
		{
			name: "bad driver parameter", env: []string{"MARKETD_DATABASE=mysql://root:s3cret@127.0.0.1:3306/x?tls=maybe"},
			args: []string{"status"}, code: exitUsage, stderr: "unknown config name: maybe", notWant: "s3cret",
		},
		{
			name: "bad boolean driver parameter", env: []string{"MARKETD_DATABASE=mysql://root:s3cret@127.0.0.1:3306/x?interpolateParams=perhaps"},
			args: []string{"status"}, code: exitUsage, stderr: "parameter interpolateParams", notWant: "s3cret",
		},
		{
			name: "unreachable server", env: []string{"MARKETD_DATABASE=mysql://root:s3cret@127.0.0.1:1/marketd"},
			args: []string{"status"}, code: exitRuntime, stderr: "cannot reach server at 127.0.0.1:1", notWant: "s3cret",
		},
		{"version needs no config", []string{"MARKETD_DATABASE=nonsense"}, []string{"version"}, exitOK, "", ""},
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
			if tt.code != exitOK && strings.Count(r.stderr, "\n") != 1 {
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
		if r.code != exitOK || !strings.Contains(r.stdout, "Examples:\n  marketd ") {
			t.Errorf("marketd %s: exit %d, no Examples section in %q", strings.Join(args, " "), r.code, r.stdout)
		}
	}
}

func TestVersion(t *testing.T) {
	var out, errb bytes.Buffer
	a := &app{stdout: &out, stderr: &errb, build: buildInfo{Version: "v1.2.3", Commit: "abc1234", Date: "2026-11-23T10:00:00Z", Go: "go1.26.8"}}
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

// A plain go build, with no -ldflags, names the version and commit git
// gave the toolchain instead of "dev (commit unknown)".
func TestBuildFromBuildInfo(t *testing.T) {
	info := &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261206043000-0123456789ab+dirty"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef"}, {Key: "vcs.time", Value: "2026-12-06T04:30:00Z"}}}
	b := buildFrom("dev", "", "", info)
	if b.Version != "v0.0.0-20261206043000-0123456789ab+dirty" || b.Commit != "0123456789abcdef" || b.Date != "2026-12-06T04:30:00Z" {
		t.Errorf("plain go build: %+v", b)
	}
	// The linker's stamps win; go run has neither.
	if b := buildFrom("v1.2.0", "abc", "2026-12-01", info); b.Version != "v1.2.0" || b.Commit != "abc" || b.Date != "2026-12-01" {
		t.Errorf("make build: %+v", b)
	}
	if b := buildFrom("dev", "", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}); b.Version != "dev" || b.Commit != "unknown" {
		t.Errorf("go run: %+v", b)
	}
}
