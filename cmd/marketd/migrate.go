package main

import (
	"github.com/spf13/cobra"

	"github.com/marketd/marketd/cmd/marketd/internal/cli"
)

func newMigrateCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Apply pending database schema migrations",
		Long: `Apply the schema migrations embedded in the binary that the database has not had yet.
Every other command does this at start unless database.auto_migrate is false.`,
		Example: `  marketd migrate
  MARKETD_DATABASE='mysql://marketd:secret@db:3306/marketd' marketd migrate`,
		Args: cli.Args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := a.openStore(cmd.Context(), false)
			if err != nil {
				return err
			}
			before, after, err := st.Upgrade(cmd.Context())
			if err != nil {
				return err
			}
			if after == before {
				writeSummary(a.stdout, "migrate: schema of %s was up to date (version %d)", a.cfg.Database.Name(), after)
			} else {
				writeSummary(a.stdout, "migrate: schema of %s migrated from version %d to %d", a.cfg.Database.Name(), before, after)
			}
			return nil
		},
	}
}
