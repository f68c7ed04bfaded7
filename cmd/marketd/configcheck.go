package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/marketd/marketd/cmd/marketd/internal/config"
)

func newConfigCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Check the configuration",
		Example: `  marketd config check
  marketd --config /etc/marketd/marketd.yaml config check
  MARKETD_LOG_LEVEL=debug marketd --set validate.lookback=500 config check`,
		Args: usageArgs(cobra.NoArgs),
		RunE: whichCommand,
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
			email := "email off (email.host unset)"
			if a.cfg.Email.Host != "" {
				email = fmt.Sprintf("email to %d recipients via %s:%d", len(a.cfg.Email.To), a.cfg.Email.Host, a.cfg.Email.Port)
			}
			_, err := fmt.Fprintf(a.stdout, "configuration ok (%s): database %s, %s, %s, %s\n",
				a.configSources(), a.databaseName(), plural(len(a.cfg.Schedule.Jobs), "scheduled job"),
				plural(len(a.cfg.CalendarOverrides), "calendar override"), email)
			return err
		},
	})
	return cmd
}

// configSources says where the configuration came from: the file, or
// none, and how many environment variables and flags changed it.
func (a *app) configSources() string {
	from := a.configPath
	if from == "" {
		from = "no file: defaults"
		if _, err := os.Stat(config.DefaultPath); !errors.Is(err, fs.ErrNotExist) {
			from = config.DefaultPath
		}
	}
	env := map[string]bool{}
	for _, k := range config.Keys() {
		env[k.Env] = true
	}
	vars := 0
	for _, kv := range a.environ {
		if name, _, _ := strings.Cut(kv, "="); env[name] {
			vars++
		}
	}
	flags := len(a.sets)
	if a.logLevel != "" {
		flags++
	}
	parts := []string{from}
	if vars > 0 {
		parts = append(parts, plural(vars, "environment variable"))
	}
	if flags > 0 {
		parts = append(parts, plural(flags, "flag"))
	}
	return joinWords(parts, "and")
}
