package main

import (
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/marketd/marketd/sources/sourcetest"

	"github.com/marketd/marketd/cmd/marketd/internal/cli"
)

// exampleSkips are the examples this test cannot run as written, and why.
// Every other line of every command's Examples runs against the simulated
// market and a store seeded the way the README's walk-through seeds it.
var exampleSkips = map[string]string{
	"marketd run": "the daemon runs until stopped (TestRunDaemon drives it)",
	"marketd --config /etc/marketd/marketd.yaml run":                                  "the daemon runs until stopped",
	"marketd --config /etc/marketd/marketd.yaml notify --unit-failed marketd.service": "reads systemd's journal (TestNotifyUnitFailedMails covers it)",
	"marketd validate --resend":                                                       "needs a mail server (the mail tests cover it)",
	"marketd backfill --source yahoo --from 2016-01-01 --shared":                      "needs MySQL and daemons to join (TestDaemonsJoinASharedBackfill covers it)",
}

// examples lists the "marketd …" lines of the Examples of cmd and of its
// subcommands, depth first, one block per command: a block is a sequence
// (close, then reset).
func examples(cmd *cobra.Command) [][]string {
	var block []string
	for _, line := range strings.Split(cmd.Example, "\n") {
		line, _, _ = strings.Cut(strings.TrimSpace(line), "#")
		if line = strings.TrimSpace(line); strings.HasPrefix(line, "marketd ") {
			block = append(block, line)
		}
	}
	out := [][]string{block}
	for _, sub := range cmd.Commands() {
		out = append(out, examples(sub)...)
	}
	return out
}

// splitArgs splits an example as a shell would: double-quoted words, a
// trailing "> file" dropped (stdout is discarded here).
func splitArgs(line string) []string {
	line, _, _ = strings.Cut(line, " > ")
	var out []string
	var cur strings.Builder
	quoted, any := false, false
	for _, r := range line {
		switch {
		case r == '"':
			quoted, any = !quoted, true
		case r == ' ' && !quoted:
			if any {
				out = append(out, cur.String())
			}
			cur.Reset()
			any = false
		default:
			cur.WriteRune(r)
			any = true
		}
	}
	if any {
		out = append(out, cur.String())
	}
	return out
}

// Every example in --help runs as written: exit 0, or 3 for a validation
// that found problems.
func TestHelpExamplesRun(t *testing.T) {
	sim := sourcetest.New(sourcetest.Options{Symbols: []sourcetest.Symbol{
		{Symbol: "AAPL"}, {Symbol: "MSFT"}, {Symbol: "BRK-B"}, {Symbol: "7203.T"}, {Symbol: "SAP.DE"},
		{Symbol: "BTC-USD"}, {Symbol: "KRW=X"}, {Symbol: "^N225"},
		{Symbol: "005930"}, {Symbol: "000660"}, {Symbol: "373220", Board: "KOSDAQ"},
	}})
	url, stop := sim.Start()
	t.Cleanup(stop)
	dir := t.TempDir()
	t.Chdir(dir)
	seeded := filepath.Join(dir, "seeded.db")
	env := func(db string) []string {
		return []string{"MARKETD_DATABASE=sqlite:" + db, "MARKETD_SOURCES_YAHOO_BASE_URL=" + url,
			"MARKETD_SOURCES_YAHOO_RATE=unlimited", "MARKETD_SOURCES_NAVER_RATE=unlimited",
			"MARKETD_SOURCES_NAVER_FCHART_URL=" + url, "MARKETD_SOURCES_NAVER_API_URL=" + url,
			"MARKETD_SOURCES_NAVER_POLLING_URL=" + url, "MARKETD_SOURCES_NAVER_MOBILE_URL=" + url}
	}
	for _, args := range [][]string{
		{"symbols", "add", "--source", "yahoo", "AAPL", "MSFT"},
		{"symbols", "add", "--source", "naver", "--market", "KOSPI", "005930", "000660"},
		{"backfill", "--all", "--from", "2026-01-01"},
	} {
		if r := marketd(t, env(seeded), args...); r.code != cli.ExitOK {
			t.Fatalf("seeding: marketd %s: exit %d\n%s", strings.Join(args, " "), r.code, r.stderr)
		}
	}
	seed, err := os.ReadFile(seeded)
	if err != nil {
		t.Fatal(err)
	}
	// --config /etc/marketd/marketd.yaml: the same settings in a file.
	cfgFile := filepath.Join(dir, "marketd.yaml")
	if err := os.WriteFile(cfgFile, []byte("log_level: warn\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	a := &app{stdout: io.Discard, stderr: io.Discard, build: cli.CurrentBuild(version, commit, date), now: time.Now}
	n := 0
	for _, block := range examples(newRootCmd(a)) {
		db := filepath.Join(dir, "example.db") // each command's block on a fresh copy
		if err := os.WriteFile(db, seed, 0o600); err != nil {
			t.Fatal(err)
		}
		for _, line := range block {
			n++
			if why, ok := exampleSkips[line]; ok {
				t.Logf("skipped %q: %s", line, why)
				continue
			}
			args := splitArgs(line)[1:]
			for j, arg := range args {
				if arg == "/etc/marketd/marketd.yaml" {
					args[j] = cfgFile
				}
			}
			r := marketd(t, env(db), args...)
			if r.code != cli.ExitOK && !(r.code == cli.ExitProblems && slices.Contains(args, "validate")) {
				t.Errorf("example %q: exit %d\nstdout %s\nstderr %s", line, r.code, r.stdout, r.stderr)
			}
		}
	}
	if n < 40 {
		t.Fatalf("found %d examples; the command tree lost its Examples", n)
	}
}
