package daemon

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/marketd/marketd/cmd/marketd/internal/config"
	"github.com/marketd/marketd/validate/mailer"
)

// What `marketd notify --unit-failed` mails when the unit fails for good
// (its OnFailure= hook): the unit's last journal lines and what to do.

// JournalLines is how many of the failed unit's last journal lines the
// mail carries.
const JournalLines = 50

// journalMax bounds what is read of the journal: 50 lines are a few KiB,
// unless a stack dump made them long.
const journalMax = 256 << 10

// journalTimeout bounds journalctl.
const journalTimeout = 30 * time.Second

// unitName is what systemd accepts as a unit name (and nothing journalctl
// could take for an option).
var unitName = regexp.MustCompile(`^[A-Za-z0-9:_.@\\][A-Za-z0-9:_.@\\-]*$`)

// ValidUnitName reports whether s is a systemd unit name.
func ValidUnitName(s string) bool { return unitName.MatchString(s) }

// UnitFailedMessage says what failed, what to do, and what the journal
// said last.
func UnitFailedMessage(unit, host string, at time.Time, lines string) mailer.Message {
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

%[5]s`, unit, host, at.UTC().Format("2006-01-02 15:04:05 MST"), JournalLines, lines),
	}
}

// ReadJournal runs journalctl for the unit's last lines, bounded in time
// and size.
func ReadJournal(ctx context.Context, unit string, lines int) (string, error) {
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

// UnitFailure is one failure of a unit to tell of.
type UnitFailure struct {
	Unit string
	Host string // the host name when empty
	At   time.Time
	// Journal reads the unit's last lines (ReadJournal); a journal that
	// cannot be read is said in the mail, which still goes.
	Journal func(ctx context.Context, unit string, lines int) (string, error)
	Log     *slog.Logger
}

// Sender sends a mail (validate/mailer.Mailer).
type Sender interface {
	Send(ctx context.Context, m mailer.Message) error
}

// NotifyUnitFailed builds the mail of f, secrets of cfg masked, and sends
// it with s; with s nil it returns the mail unsent.
func NotifyUnitFailed(ctx context.Context, cfg config.Config, f UnitFailure, s Sender) (mailer.Message, error) {
	lines, err := f.Journal(ctx, f.Unit, JournalLines)
	if err != nil {
		f.Log.Warn("cannot read the journal", "unit", f.Unit, "err", cfg.Redact(err))
		lines = fmt.Sprintf("(the journal could not be read: %v)\n", cfg.Redact(err))
	}
	if f.Host == "" {
		if f.Host, err = os.Hostname(); err != nil {
			f.Host = "this host"
		}
	}
	msg := UnitFailedMessage(f.Unit, f.Host, f.At, cfg.RedactString(lines))
	if s == nil {
		return msg, nil
	}
	if err := s.Send(ctx, msg); err != nil {
		return msg, cfg.Redact(err)
	}
	return msg, nil
}
