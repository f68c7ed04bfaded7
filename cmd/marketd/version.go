package main

import (
	"github.com/spf13/cobra"

	"github.com/marketd/marketd/cmd/marketd/internal/cli"
)

func newVersionCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:         "version",
		Short:       "Print the version, commit and build date",
		Example:     "  marketd version",
		Args:        cli.Args(cobra.NoArgs),
		Annotations: map[string]string{cli.AnnotationNoConfig: "true"},
		RunE: func(cmd *cobra.Command, args []string) error {
			writeSummary(a.stdout, "%s", a.build.Line())
			return nil
		},
	}
}
