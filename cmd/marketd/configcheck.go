package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/marketd/marketd/cmd/marketd/internal/config"
)

func newConfigCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Check the configuration",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			return usagef("a subcommand is required: marketd config check")
		},
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "check",
		Short: "Load the configuration (file, environment, flags) and say whether it is valid",
		Long: `check loads the configuration as every command does (the file, MARKETD_*
variables, --set flags) and prints what it found, without opening the database
or starting anything: run it before a SIGHUP or a restart of the daemon.
An invalid configuration exits 2 with the key and where its value came from.`,
		Example: `  marketd --config /etc/marketd/marketd.yaml config check`,
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			file := a.configPath
			if file == "" {
				file = "no file: defaults"
				if _, err := os.Stat(config.DefaultPath); !errors.Is(err, fs.ErrNotExist) {
					file = config.DefaultPath
				}
			}
			email := "email off (email.host unset)"
			if a.cfg.Email.Host != "" {
				email = fmt.Sprintf("email to %d recipients via %s:%d", len(a.cfg.Email.To), a.cfg.Email.Host, a.cfg.Email.Port)
			}
			_, err := fmt.Fprintf(a.stdout, "configuration ok (%s): database %s, %d scheduled jobs, %d calendar overrides, %s\n",
				file, a.databaseName(), len(a.cfg.Schedule.Jobs), len(a.cfg.CalendarOverrides), email)
			return err
		},
	})
	return cmd
}
