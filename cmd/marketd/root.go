package main

import (
	"errors"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

func newRootCmd(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:   "marketd",
		Short: "Collect daily market data for US and Korean stocks and keep it complete",
		Long: `marketd collects daily bars (OHLCV, adjusted close, dividends, splits) from Yahoo
Finance and Naver Finance into MySQL or an embedded SQLite file.

Configuration comes from a YAML file (--config, default ./marketd.yaml if present),
MARKETD_* environment variables and flags, in increasing order of precedence.`,
		Example: `  marketd symbols add --source naver --market KOSPI 005930 000660
  marketd --config /etc/marketd/marketd.yaml status
  MARKETD_DATABASE=sqlite:/tmp/m.db marketd migrate`,
		Args:          usageArgs(cobra.NoArgs),
		SilenceErrors: true,
		SilenceUsage:  true,
		RunE: func(cmd *cobra.Command, args []string) error {
			return usagef("a command is required; see marketd --help")
		},
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if skipsConfig(cmd) {
				return nil
			}
			return a.setup()
		},
	}
	root.CompletionOptions.DisableDefaultCmd = true
	// --version prints what marketd version prints, without the configuration.
	root.Version = a.build.line()
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetFlagErrorFunc(flagError)
	f := root.PersistentFlags()
	f.StringVar(&a.configPath, "config", "", "YAML configuration `file` (default ./marketd.yaml if present)")
	f.StringVar(&a.logLevel, "log-level", "", "log `level`: debug, info, warn or error (overrides log_level)")
	f.StringArrayVar(&a.sets, "set", nil, "override any config key, as `KEY=VALUE` (repeatable), e.g. --set sources.yahoo.rate=100/h")

	root.AddCommand(
		newMigrateCmd(a),
		newExportCmd(a),
		newSymbolsCmd(a),
		newStatusCmd(a),
		newVersionCmd(a),
		newCollectCmd(a),
		newBackfillCmd(a),
		newValidateCmd(a),
		newGapsCmd(a),
		newCalendarCmd(a),
		newRunCmd(a),
		newConfigCmd(a),
		newNotifyCmd(a),
	)
	return root
}

// usageArgs makes an argument check's failure a usage error (exit 2). On a
// command that has subcommands, an argument is a mistyped command: say so
// and suggest the nearest one, as cobra does without an Args check.
func usageArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		err := check(cmd, args)
		if err == nil {
			return nil
		}
		if !cmd.HasAvailableSubCommands() {
			return argsError(cmd, args)
		}
		if len(args) == 0 {
			return usageError{err}
		}
		if cmd.SuggestionsMinimumDistance <= 0 {
			cmd.SuggestionsMinimumDistance = 2 // cobra's default, which only its own Find sets
		}
		if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
			return usagef("unknown command %q: did you mean %s? (%s --help lists the commands)", args[0], joinWords(s, "or"), cmd.CommandPath())
		}
		return usagef("unknown command %q (%s --help lists the commands)", args[0], cmd.CommandPath())
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
		return usagef("%s takes no arguments (got %q); see %s --help", name, strings.Join(args, " "), cmd.CommandPath())
	}
	want := strings.Join(operands, " ")
	if last := operands[len(operands)-1]; len(operands) == 1 && strings.HasSuffix(last, "...") {
		want = "at least one " + strings.TrimSuffix(last, "...")
	}
	if len(args) < required {
		return usagef("%s: give %s", name, want)
	}
	return usagef("%s: too many arguments (%d): want %s", name, len(args), strings.Join(operands, " "))
}

// exclusiveAnnotation is the flag annotation MarkFlagsMutuallyExclusive
// sets, a group's flag names separated by spaces (cobra does not export it).
const exclusiveAnnotation = "cobra_annotation_mutually_exclusive"

// usageFlagGroups makes a violated flag group (MarkFlagsMutuallyExclusive)
// a usage error: cobra checks the groups after the hooks and returns a
// plain error, which would exit 1. Use it as the command's PreRunE.
func usageFlagGroups(cmd *cobra.Command, _ []string) error {
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
				msg = joinWords(set, "and") + ": " + choose
			}
		}
	})
	if msg == "" { // the annotation moved: cobra's own words still say it
		return usageError{err}
	}
	return usagef("%s", msg)
}

// flagError words a flag's value that does not parse, instead of pflag's
// "invalid argument … strconv.ParseInt: parsing …".
func flagError(_ *cobra.Command, err error) error {
	var bad *pflag.InvalidValueError
	if !errors.As(err, &bad) {
		return usageError{err}
	}
	f := bad.GetFlag()
	what, _ := pflag.UnquoteUsage(f)
	switch f.Value.Type() {
	case "int", "int64", "int32", "uint", "uint64":
		return usagef("--%s %q: %s must be a whole number", f.Name, bad.GetValue(), what)
	case "bool":
		return usagef("--%s=%s: want true or false", f.Name, bad.GetValue())
	}
	return usageError{err}
}

// whichCommand is the RunE of a command that only groups others (gaps,
// calendar, config): run alone, it names them.
func whichCommand(cmd *cobra.Command, _ []string) error {
	var names []string
	for _, c := range cmd.Commands() {
		if c.IsAvailableCommand() {
			names = append(names, c.Name())
		}
	}
	return usagef("%s: which command? %s (see %s --help)", cmd.Name(), joinWords(names, "or"), cmd.CommandPath())
}

// joinWords lists words as a sentence does: "a", "a or b", "a, b or c".
func joinWords(words []string, conj string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " " + conj + " " + words[len(words)-1]
}
