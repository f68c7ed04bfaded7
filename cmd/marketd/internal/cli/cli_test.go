package cli

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{"AAPL,BRK-B": "AAPL,BRK-B", "it's a b": `'it'\''s a b'`, "": "''"} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestJoinWords(t *testing.T) {
	for _, tt := range []struct {
		words []string
		want  string
	}{{nil, ""}, {[]string{"a"}, "a"}, {[]string{"a", "b"}, "a or b"}, {[]string{"a", "b", "c"}, "a, b or c"}} {
		if got := JoinWords(tt.words, "or"); got != tt.want {
			t.Errorf("JoinWords(%q) = %q, want %q", tt.words, got, tt.want)
		}
	}
}

// The operands of a command's Use line word what it takes.
func TestArgs(t *testing.T) {
	root := &cobra.Command{Use: "marketd"}
	for _, tt := range []struct {
		use   string
		check cobra.PositionalArgs
		args  []string
		want  string
	}{
		{"close MARKET DATE", cobra.ExactArgs(2), []string{"XKRX"}, "close: give MARKET DATE"},
		{"close MARKET DATE", cobra.ExactArgs(2), []string{"a", "b", "c"}, "close: too many arguments (3): want MARKET DATE"},
		{"add --source yahoo|naver [--market M] SYMBOL...", cobra.MinimumNArgs(1), nil, "add: give at least one SYMBOL"},
		{"status", cobra.NoArgs, []string{"x"}, `status takes no arguments (got "x"); see marketd status --help`},
	} {
		cmd := &cobra.Command{Use: tt.use, Run: func(*cobra.Command, []string) {}}
		root.AddCommand(cmd)
		err := Args(tt.check)(cmd, tt.args)
		var ue UsageError
		if !errors.As(err, &ue) || err.Error() != tt.want {
			t.Errorf("%s %q: %v, want the usage error %q", tt.use, tt.args, err, tt.want)
		}
		root.RemoveCommand(cmd)
	}
}

// The resume hint repeats the flags as given, quoted, and leaves out a
// value with a secret, saying so.
func TestResumeCommand(t *testing.T) {
	root := &cobra.Command{Use: "marketd"}
	root.PersistentFlags().StringArray("set", nil, "")
	cmd := &cobra.Command{Use: "collect", Run: func(*cobra.Command, []string) {}}
	cmd.Flags().StringSlice("symbols", nil, "")
	cmd.Flags().String("market", "", "")
	root.AddCommand(cmd)
	c, rest, err := root.Find([]string{"collect", "--set", "email.password=SEKRET", "--set", "a=b c", "--symbols", "AAPL,BRK-B"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.ParseFlags(rest); err != nil {
		t.Fatal(err)
	}
	redact := func(s string) string { return strings.ReplaceAll(s, "SEKRET", "xxxxx") }
	want := "marketd collect --set='a=b c' --symbols=AAPL,BRK-B   # plus the --set values with secrets, left out here"
	if got := ResumeCommand(c, redact); got != want {
		t.Errorf("ResumeCommand:\n%s\nwant\n%s", got, want)
	}
}

// Each line of an error is a line of its own, the password masked.
func TestWriteError(t *testing.T) {
	var b strings.Builder
	WriteError(&b, errors.Join(errors.New("marketd: first s3cret"), errors.New("second")), "s3cret")
	if want := "marketd: first xxxxx\nmarketd: second\n"; b.String() != want {
		t.Errorf("WriteError wrote %q, want %q", b.String(), want)
	}
}

func TestExitCode(t *testing.T) {
	interrupted := errors.New("interrupted")
	for _, tt := range []struct {
		err  error
		want int
	}{
		{nil, ExitOK},
		{Usagef("bad"), ExitUsage},
		{fmt.Errorf("report: %w", ErrProblems), ExitProblems},
		{fmt.Errorf("run 3: %w", interrupted), ExitInterrupted},
		{errors.New("database down"), ExitRuntime},
	} {
		if got := ExitCode(tt.err, interrupted); got != tt.want {
			t.Errorf("ExitCode(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}
