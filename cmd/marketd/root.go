package main

import (
	"strings"

	"github.com/spf13/cobra"
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
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
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
		if len(args) == 0 || !cmd.HasAvailableSubCommands() {
			return usageError{err}
		}
		if cmd.SuggestionsMinimumDistance <= 0 {
			cmd.SuggestionsMinimumDistance = 2 // cobra's default, which only its own Find sets
		}
		if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
			alts := s[len(s)-1]
			if len(s) > 1 {
				alts = strings.Join(s[:len(s)-1], ", ") + " or " + alts
			}
			return usagef("unknown command %q: did you mean %s? (%s --help lists the commands)", args[0], alts, cmd.CommandPath())
		}
		return usagef("unknown command %q (%s --help lists the commands)", args[0], cmd.CommandPath())
	}
}

// usageFlagGroups makes a violated flag group (MarkFlagsMutuallyExclusive)
// a usage error: cobra checks the groups after the hooks and returns a
// plain error, which would exit 1. Use it as the command's PreRunE.
func usageFlagGroups(cmd *cobra.Command, _ []string) error {
	if err := cmd.ValidateFlagGroups(); err != nil {
		return usageError{err}
	}
	return nil
}
