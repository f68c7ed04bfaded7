package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/marketd/marketd/cmd/marketd/internal/cli"
	"github.com/marketd/marketd/cmd/marketd/internal/config"
)

func newConfigCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Check the configuration",
		Example: `  marketd config check
  marketd --config /etc/marketd/marketd.yaml config check
  MARKETD_LOG_LEVEL=debug marketd --set validate.lookback=500 config check`,
		Args: cli.Args(cobra.NoArgs),
		RunE: cli.WhichCommand,
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "check",
		Short: "Load the configuration (file, environment, flags) and say whether it is valid",
		Long: `check loads the configuration as every command does (the file, MARKETD_*
variables, --set flags) and prints what it found, without opening the database
or starting anything: run it before a SIGHUP or a restart of the daemon.
An invalid configuration exits 2 with the key and where its value came from.`,
		Example: `  marketd --config /etc/marketd/marketd.yaml config check`,
		Args:    cli.Args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			flags := len(a.sets)
			if a.logLevel != "" {
				flags++
			}
			_, err := fmt.Fprintf(a.stdout, "configuration ok (%s): %s\n", config.Origin(a.configPath, a.environ, flags), a.cfg.Describe())
			return err
		},
	})
	return cmd
}
