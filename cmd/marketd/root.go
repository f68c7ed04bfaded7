package main

import (
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
	)
	return root
}

// usageArgs makes an argument check's failure a usage error (exit 2).
func usageArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return usageError{err}
		}
		return nil
	}
}
