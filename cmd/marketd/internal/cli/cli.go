// Package cli holds marketd's command-line conventions on top of cobra: a
// mistake on the command line is a usage error (exit code 2), worded from
// the command's own Use line and flags instead of cobra's and strconv's
// words; a long run's resume hint repeats the command as typed, its
// secrets left out; logs go to stderr as text for a person and as JSON for
// journald; and the version line names the build stamped into the binary.
package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// UsageError is a mistake on the command line or in the configuration:
// exit code 2.
type UsageError struct{ Err error }

func (e UsageError) Error() string { return e.Err.Error() }
func (e UsageError) Unwrap() error { return e.Err }

// Usage makes err a UsageError.
func Usage(err error) error { return UsageError{err} }

// Usagef is a UsageError with a formatted message.
func Usagef(format string, args ...any) error { return UsageError{fmt.Errorf(format, args...)} }

// AnnotationNoConfig marks commands that run without loading the configuration.
const AnnotationNoConfig = "marketd/no-config"

// SkipsConfig reports whether cmd or a parent is marked AnnotationNoConfig.
func SkipsConfig(cmd *cobra.Command) bool {
	for c := cmd; c != nil; c = c.Parent() {
		if c.Annotations[AnnotationNoConfig] == "true" {
			return true
		}
	}
	return false
}

// IsTerminal reports whether w is a terminal (a person reading).
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// Args makes an argument check's failure a usage error (exit 2). On a
// command that has subcommands, an argument is a mistyped command: say so
// and suggest the nearest one, as cobra does without an Args check.
func Args(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		err := check(cmd, args)
		if err == nil {
			return nil
		}
		if !cmd.HasAvailableSubCommands() {
			return argsError(cmd, args)
		}
		if len(args) == 0 {
			return UsageError{err}
		}
		if cmd.SuggestionsMinimumDistance <= 0 {
			cmd.SuggestionsMinimumDistance = 2 // cobra's default, which only its own Find sets
		}
		if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
			return Usagef("unknown command %q: did you mean %s? (%s --help lists the commands)", args[0], JoinWords(s, "or"), cmd.CommandPath())
		}
		return Usagef("unknown command %q (%s --help lists the commands)", args[0], cmd.CommandPath())
	}
}

// argsError says what a command without subcommands takes, from the
// operands of its Use line ("close MARKET DATE", "add --source S
// SYMBOL..."), instead of cobra's "accepts 2 arg(s), received 1".
func argsError(cmd *cobra.Command, args []string) error {
	var operands []string
	required := 0
	words := strings.Fields(cmd.Use)[1:]
	for i := 0; i < len(words); i++ {
		w := words[i]
		switch {
		case strings.HasPrefix(w, "[-"): // an optional flag, up to its ]
			for !strings.HasSuffix(words[i], "]") && i+1 < len(words) {
				i++
			}
		case strings.HasPrefix(w, "-"): // a flag and its value
			if i+1 < len(words) && !strings.HasPrefix(words[i+1], "-") && !strings.HasPrefix(words[i+1], "[") {
				i++
			}
		default:
			operands = append(operands, w)
			if !strings.HasPrefix(w, "[") {
				required++
			}
		}
	}
	name := strings.TrimPrefix(cmd.CommandPath(), cmd.Root().Name()+" ")
	if len(operands) == 0 {
		return Usagef("%s takes no arguments (got %q); see %s --help", name, strings.Join(args, " "), cmd.CommandPath())
	}
	want := strings.Join(operands, " ")
	if last := operands[len(operands)-1]; len(operands) == 1 && strings.HasSuffix(last, "...") {
		want = "at least one " + strings.TrimSuffix(last, "...")
	}
	if len(args) < required {
		return Usagef("%s: give %s", name, want)
	}
	return Usagef("%s: too many arguments (%d): want %s", name, len(args), strings.Join(operands, " "))
}

// exclusiveAnnotation is the flag annotation MarkFlagsMutuallyExclusive
// sets, a group's flag names separated by spaces (cobra does not export it).
const exclusiveAnnotation = "cobra_annotation_mutually_exclusive"

// FlagGroups makes a violated flag group (MarkFlagsMutuallyExclusive)
// a usage error: cobra checks the groups after the hooks and returns a
// plain error, which would exit 1. Use it as the command's PreRunE.
func FlagGroups(cmd *cobra.Command, _ []string) error {
	err := cmd.ValidateFlagGroups()
	if err == nil {
		return nil
	}
	// Visited in name order: the first group broken is the one told.
	var msg string
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		for _, group := range f.Annotations[exclusiveAnnotation] {
			var set []string
			for _, name := range strings.Fields(group) {
				if cmd.Flags().Changed(name) {
					set = append(set, "--"+name)
				}
			}
			if len(set) > 1 && msg == "" {
				choose := "give one or the other"
				if len(set) > 2 {
					choose = "give only one"
				}
				msg = JoinWords(set, "and") + ": " + choose
			}
		}
	})
	if msg == "" { // the annotation moved: cobra's own words still say it
		return UsageError{err}
	}
	return Usagef("%s", msg)
}

// FlagError words a flag's value that does not parse, instead of pflag's
// "invalid argument … strconv.ParseInt: parsing …".
func FlagError(_ *cobra.Command, err error) error {
	var bad *pflag.InvalidValueError
	if !errors.As(err, &bad) {
		return UsageError{err}
	}
	f := bad.GetFlag()
	what, _ := pflag.UnquoteUsage(f)
	switch f.Value.Type() {
	case "int", "int64", "int32", "uint", "uint64":
		return Usagef("--%s %q: %s must be a whole number", f.Name, bad.GetValue(), what)
	case "bool":
		return Usagef("--%s=%s: want true or false", f.Name, bad.GetValue())
	}
	return UsageError{err}
}

// WhichCommand is the RunE of a command that only groups others (gaps,
// calendar, config): run alone, it names them.
func WhichCommand(cmd *cobra.Command, _ []string) error {
	var names []string
	for _, c := range cmd.Commands() {
		if c.IsAvailableCommand() {
			names = append(names, c.Name())
		}
	}
	return Usagef("%s: which command? %s (see %s --help)", cmd.Name(), JoinWords(names, "or"), cmd.CommandPath())
}

// Plural counts things in words: "1 symbol", "2 symbols".
func Plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}

// JoinWords lists words as a sentence does: "a", "a or b", "a, b or c".
func JoinWords(words []string, conj string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " " + conj + " " + words[len(words)-1]
}

// resumeCommand is the invocation as typed (command path and flags), to
// run again to resume: each value shell-quoted, a repeated flag (--set)
// repeated, and a value that carries a secret (a password in --set
// database=… or email.password=…) left out and said so, since the hint is
// printed and kept in the run log. redact masks the secrets in a value.
func ResumeCommand(cmd *cobra.Command, redact func(string) string) string {
	out := append([]string{"marketd"}, strings.Fields(strings.TrimPrefix(cmd.CommandPath(), cmd.Root().Name()+" "))...)
	secret := false
	cmd.Flags().Visit(func(f *pflag.Flag) {
		vals := []string{f.Value.String()}
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			vals = sv.GetSlice()
			if f.Value.Type() != "stringArray" { // a comma list reads back as given
				vals = []string{strings.Join(vals, ",")}
			}
		}
		for _, v := range vals {
			if redact(v) != v {
				secret = true
				continue
			}
			out = append(out, "--"+f.Name+"="+shellQuote(v))
		}
	})
	line := strings.Join(out, " ")
	if secret {
		line += "   # plus the --set values with secrets, left out here"
	}
	return line
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:=,@%+-") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// WriteError writes err to w as marketd's error lines: "marketd: " and a
// line of it, each (joined errors, such as every invalid key of a
// configuration, get a line each), secret masked wherever a driver put it.
func WriteError(w io.Writer, err error, secret string) {
	msg := err.Error()
	if secret != "" {
		msg = strings.ReplaceAll(msg, secret, "xxxxx")
	}
	// A validation's error starts with its subject, "marketd: …".
	for line := range strings.Lines(strings.TrimPrefix(msg, "marketd: ")) {
		fmt.Fprintf(w, "marketd: %s\n", strings.TrimSuffix(line, "\n"))
	}
}
