package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/marketd/marketd/cmd/marketd/internal/cli"
	"github.com/marketd/marketd/cmd/marketd/internal/config"
	"github.com/marketd/marketd/cmd/marketd/internal/daemon"
)

func newNotifyCmd(a *app) *cobra.Command {
	var unit string
	cmd := &cobra.Command{
		Use:   "notify --unit-failed UNIT",
		Short: "Mail the last journal lines of a systemd unit that failed (its OnFailure= hook)",
		Long: `notify --unit-failed mails the last 50 journal lines of UNIT through the configured
SMTP settings (email.*), so that a daemon that can no longer run (the start limit hit,
exit 2 from a bad configuration after an upgrade) is still heard of.
deploy/systemd/marketd-notify@.service runs it from marketd.service's OnFailure=.
It reads only the email and notify sections of the configuration, so a mistake
elsewhere (the likely reason the unit failed) does not stop the mail.
Without email.host it prints the message and exits 2.`,
		Example: `  marketd --config /etc/marketd/marketd.yaml notify --unit-failed marketd.service`,
		Args:    cli.Args(cobra.NoArgs),
		// It reads the email and notify sections only: the unit may have
		// failed over a mistake elsewhere in the same file.
		Annotations: map[string]string{cli.AnnotationNoConfig: "true"},
		RunE: func(cmd *cobra.Command, args []string) error {
			if unit == "" {
				return cli.Usagef("--unit-failed is required: name the systemd unit that failed, e.g. marketd.service")
			}
			if err := a.setupWith(func(o config.Options) (config.Config, error) {
				return config.LoadSections(o, "email", "notify", "log_level")
			}); err != nil {
				return err
			}
			if !daemon.ValidUnitName(unit) {
				return cli.Usagef("--unit-failed %q: want a systemd unit name such as marketd.service", unit)
			}
			return a.notifyUnitFailed(cmd.Context(), unit)
		},
	}
	// Checked in RunE rather than marked required: cobra's own check exits 1.
	cmd.Flags().StringVar(&unit, "unit-failed", "", "the systemd `UNIT` that failed (required)")
	return cmd
}

// notifyUnitFailed mails the failure of unit with its last journal lines,
// or prints it when email.host is not set.
func (a *app) notifyUnitFailed(ctx context.Context, unit string) error {
	f := daemon.UnitFailure{Unit: unit, At: a.now(), Journal: a.journal, Log: a.log}
	if a.cfg.Email.Host == "" {
		msg, _ := daemon.NotifyUnitFailed(ctx, a.cfg, f, nil)
		fmt.Fprintf(a.stdout, "Subject: %s\n\n%s", msg.Subject, msg.Text)
		return cli.Usagef("email.host is not set: the failure of %s was printed, not mailed", unit)
	}
	m, err := a.cfg.Email.Mailer()
	if err != nil {
		return cli.Usage(err)
	}
	msg, err := daemon.NotifyUnitFailed(ctx, a.cfg, f, m)
	if err != nil {
		return err
	}
	writeSummary(a.stdout, "mailed %q to %d recipients", msg.Subject, len(a.cfg.Email.To))
	return nil
}
