package main

import (
	"github.com/spf13/cobra"

	"github.com/marketd/marketd/cmd/marketd/internal/cli"
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
		Args:          cli.Args(cobra.NoArgs),
		SilenceErrors: true,
		SilenceUsage:  true,
		RunE: func(cmd *cobra.Command, args []string) error {
			return cli.Usagef("a command is required; see marketd --help")
		},
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if cli.SkipsConfig(cmd) {
				return nil
			}
			return a.setup()
		},
	}
	root.CompletionOptions.DisableDefaultCmd = true
	// --version prints what marketd version prints, without the configuration.
	root.Version = a.build.Line()
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetFlagErrorFunc(cli.FlagError)
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
