package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/marketd/marketd/cmd/marketd/internal/config"
	"github.com/marketd/marketd/validate/mailer"
)

// journalLines is how many of the failed unit's last journal lines the
// mail carries.
const journalLines = 50

// journalMax bounds what is read of the journal: 50 lines are a few KiB,
// unless a stack dump made them long.
const journalMax = 256 << 10

// journalTimeout bounds journalctl.
const journalTimeout = 30 * time.Second

// journalReader returns the last lines of a unit's journal.
type journalReader func(ctx context.Context, unit string, lines int) (string, error)

// unitName is what systemd accepts as a unit name (and nothing journalctl
// could take for an option).
var unitName = regexp.MustCompile(`^[A-Za-z0-9:_.@\\][A-Za-z0-9:_.@\\-]*$`)

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
		Args:    usageArgs(cobra.NoArgs),
		// It reads the email and notify sections only: the unit may have
		// failed over a mistake elsewhere in the same file.
		Annotations: map[string]string{annotationNoConfig: "true"},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := a.setupWith(func(o config.Options) (config.Config, error) {
				return config.LoadSections(o, "email", "notify", "log_level")
			}); err != nil {
				return err
			}
			if !unitName.MatchString(unit) {
				return usagef("--unit-failed %q: want a systemd unit name such as marketd.service", unit)
			}
			return a.notifyUnitFailed(cmd.Context(), unit)
		},
	}
	cmd.Flags().StringVar(&unit, "unit-failed", "", "the systemd `UNIT` that failed (required)")
	_ = cmd.MarkFlagRequired("unit-failed")
	return cmd
}

// notifyUnitFailed mails the failure of unit with its last journal lines.
// A journal that cannot be read is said in the mail, which still goes.
func (a *app) notifyUnitFailed(ctx context.Context, unit string) error {
	host, err := os.Hostname()
	if err != nil {
		host = "this host"
	}
	lines, jerr := a.journal(ctx, unit, journalLines)
	if jerr != nil {
		a.log.Warn("cannot read the journal", "unit", unit, "err", a.cfg.Redact(jerr))
		lines = fmt.Sprintf("(the journal could not be read: %v)\n", a.cfg.Redact(jerr))
	}
	msg := unitFailedMessage(unit, host, a.now(), a.cfg.RedactString(lines))
	if a.cfg.Email.Host == "" {
		fmt.Fprintf(a.stdout, "Subject: %s\n\n%s", msg.Subject, msg.Text)
		return usagef("email.host is not set: the failure of %s was printed, not mailed", unit)
	}
	m, err := newMailer(a.cfg.Email)
	if err != nil {
		return usageError{err}
	}
	if err := m.Send(ctx, msg); err != nil {
		return a.cfg.Redact(err)
	}
	writeSummary(a.stdout, "mailed %q to %d recipients", msg.Subject, len(a.cfg.Email.To))
	return nil
}

// unitFailedMessage says what failed, what to do, and what the journal
// said last.
func unitFailedMessage(unit, host string, at time.Time, lines string) mailer.Message {
	if lines != "" && !strings.HasSuffix(lines, "\n") {
		lines += "\n"
	}
	if strings.TrimSpace(lines) == "" {
		lines = "(the journal has no lines for this unit)\n"
	}
	return mailer.Message{
		Subject: fmt.Sprintf("marketd: %s failed on %s", unit, host),
		Text: fmt.Sprintf(`%[1]s failed on %[2]s at %[3]s, and systemd will not restart it:
it hit its start limit (5 failed starts in 10 minutes), or exited 2 (a configuration
error, which a restart cannot fix). No collection or validation runs until it is fixed.

What to do on %[2]s:
  systemctl status %[1]s
  journalctl -u %[1]s --since "-1h"
  marketd --config /etc/marketd/marketd.yaml config check
then, once the cause is fixed:
  systemctl reset-failed %[1]s && systemctl start %[1]s

The last %[4]d journal lines of %[1]s:

%[5]s`, unit, host, at.UTC().Format("2006-01-02 15:04:05 MST"), journalLines, lines),
	}
}

// readJournal runs journalctl for the unit's last lines, bounded in time
// and size.
func readJournal(ctx context.Context, unit string, lines int) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, journalTimeout)
	defer cancel()
	out, errOut := &limitedBuffer{max: journalMax}, &limitedBuffer{max: 4 << 10}
	cmd := exec.CommandContext(ctx, "journalctl", "-u", unit, "-n", strconv.Itoa(lines), "--no-pager", "-o", "short-iso")
	cmd.Stdout, cmd.Stderr = out, errOut
	if err := cmd.Run(); err != nil {
		if msg := strings.TrimSpace(errOut.String()); msg != "" {
			return "", fmt.Errorf("journalctl -u %s: %w: %s", unit, err, msg)
		}
		return "", fmt.Errorf("journalctl -u %s: %w", unit, err)
	}
	s := out.String()
	if out.cut {
		s += fmt.Sprintf("(cut at %d KiB)\n", journalMax>>10)
	}
	return s, nil
}

// limitedBuffer keeps the first max bytes written to it and drops the
// rest. The buffer is not embedded: its ReadFrom would let io.Copy past
// the limit.
type limitedBuffer struct {
	buf bytes.Buffer
	max int
	cut bool
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.buf.Len(); len(p) > room {
		b.cut = true
		b.buf.Write(p[:max(room, 0)])
		return len(p), nil
	}
	return b.buf.Write(p)
}

func (b *limitedBuffer) String() string { return b.buf.String() }
