package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"strings"
	"testing"
	"time"

	smtpmock "github.com/mocktools/go-smtp-mock/v2"

	"github.com/marketd/marketd/cmd/marketd/internal/cli"
)

// fakeJournal returns lines for the unit it expects, recording the call.
type fakeJournal struct {
	lines string
	err   error
	calls []string
}

func (f *fakeJournal) read(_ context.Context, unit string, n int) (string, error) {
	f.calls = append(f.calls, fmt.Sprintf("%s -n %d", unit, n))
	return f.lines, f.err
}

// notifyAt runs a command line in-process at now, with j as the journal.
func notifyAt(t *testing.T, now time.Time, environ []string, j *fakeJournal, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	a := &app{stdout: &out, stderr: &errb, environ: environ, build: cli.CurrentBuild(version, commit, date),
		now: func() time.Time { return now }, journal: j.read}
	code := a.execute(context.Background(), args)
	return result{code, out.String(), errb.String()}
}

// mailText returns the subject and the decoded text body of a received mail.
func mailText(t *testing.T, raw string) (string, string) {
	t.Helper()
	msg, err := mail.ReadMessage(strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(msg.Body)
	if err != nil {
		t.Fatal(err)
	}
	text := string(body)
	if enc := msg.Header.Get("Content-Transfer-Encoding"); enc == "quoted-printable" {
		qp, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(body)))
		if err != nil {
			t.Fatal(err)
		}
		text = string(qp)
	}
	return subject, strings.ReplaceAll(text, "\r\n", "\n")
}

// The OnFailure= hook mails the unit's last journal lines, readable: what
// failed where and when, what to do, then the lines, with the configured
// secrets masked even there.
func TestNotifyUnitFailedMails(t *testing.T) {
	t.Chdir(t.TempDir())
	srv := smtpmock.New(smtpmock.ConfigurationAttr{HostAddress: "127.0.0.1", MultipleRcptto: true, MultipleMessageReceiving: true})
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	// The daemon failed over a configuration that an upgrade no longer
	// accepts: the mail must still go.
	file := fmt.Sprintf(`sources:
  yahoo: {rate: "lots"}
validate: {max_moves: 2}
email:
  host: 127.0.0.1
  port: %d
  tls: none
  from: marketd@example.com
  to: [ops@example.com]
  helo: marketd.example.com
`, srv.PortNumber())
	if err := os.WriteFile("marketd.yaml", []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"MARKETD_DATABASE=nonsense", "MARKETD_SOURCES_NAVER_RATE=x",
		"MARKETD_EMAIL_PASSWORD=hunter2-smtp", "MARKETD_NOTIFY_PING_URL=https://hc-ping.com/tok-5e1f"}
	if r := notifyAt(t, time.Now(), env, &fakeJournal{}, "config", "check"); r.code != cli.ExitUsage {
		t.Fatalf("the broken configuration loads: exit %d %s", r.code, r.stderr)
	}
	journal := &fakeJournal{lines: "2026-12-07T06:59:58+0900 ip-10 marketd[812]: {\"level\":\"ERROR\",\"msg\":\"marketd: sources.yahoo.rate: invalid\"}\n" +
		"2026-12-07T06:59:59+0900 ip-10 systemd[1]: marketd.service: Main process exited, code=exited, status=2/INVALIDARGUMENT\n" +
		"2026-12-07T06:59:59+0900 ip-10 marketd[812]: a line quoting hunter2-smtp and https://hc-ping.com/tok-5e1f/fail\n"}
	now := time.Date(2026, 12, 6, 21, 59, 59, 0, time.UTC)
	r := notifyAt(t, now, env, journal, "notify", "--unit-failed", "marketd.service")
	host, _ := os.Hostname()
	wantSubject := "marketd: marketd.service failed on " + host
	if r.code != 0 || r.stdout != fmt.Sprintf("mailed %q to 1 recipients\n", wantSubject) {
		t.Fatalf("exit %d, stdout %q, stderr %s", r.code, r.stdout, r.stderr)
	}
	if want := []string{"marketd.service -n 50"}; fmt.Sprint(journal.calls) != fmt.Sprint(want) {
		t.Errorf("journal read %q, want %q", journal.calls, want)
	}
	msgs, err := srv.WaitForMessages(1, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	subject, text := mailText(t, msgs[0].MsgRequest())
	if subject != wantSubject {
		t.Errorf("subject %q, want %q", subject, wantSubject)
	}
	want := `marketd.service failed on ` + host + ` at 2026-12-06 21:59:59 UTC, and systemd will not restart it:
it hit its start limit (5 failed starts in 10 minutes), or exited 2 (a configuration
error, which a restart cannot fix). No collection or validation runs until it is fixed.

What to do on ` + host + `:
  systemctl status marketd.service
  journalctl -u marketd.service --since "-1h"
  marketd --config /etc/marketd/marketd.yaml config check
then, once the cause is fixed:
  systemctl reset-failed marketd.service && systemctl start marketd.service

The last 50 journal lines of marketd.service:

2026-12-07T06:59:58+0900 ip-10 marketd[812]: {"level":"ERROR","msg":"marketd: sources.yahoo.rate: invalid"}
2026-12-07T06:59:59+0900 ip-10 systemd[1]: marketd.service: Main process exited, code=exited, status=2/INVALIDARGUMENT
2026-12-07T06:59:59+0900 ip-10 marketd[812]: a line quoting xxxxx and https://hc-ping.com/xxxxx/fail
`
	if text != want {
		t.Errorf("mail text:\n%s\nwant:\n%s", text, want)
	}
}

// A journal that cannot be read still lets the mail go, saying why; a
// missing or bad unit name and a missing email.host are usage errors, the latter
// printing the message for the journal.
func TestNotifyUnitFailedEdges(t *testing.T) {
	t.Chdir(t.TempDir())
	env := []string{"MARKETD_DATABASE=sqlite:marketd.db"}
	now := time.Date(2026, 12, 6, 21, 59, 59, 0, time.UTC)

	for _, args := range [][]string{{"notify"}, {"notify", "--unit-failed", ""}} {
		r := notifyAt(t, now, env, &fakeJournal{}, args...)
		if want := "marketd: --unit-failed is required: name the systemd unit that failed, e.g. marketd.service\n"; r.code != cli.ExitUsage || r.stderr != want || r.stdout != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit %d, stderr %q", args, r.code, r.stdout, r.stderr, cli.ExitUsage, want)
		}
	}
	r := notifyAt(t, now, env, &fakeJournal{}, "notify", "--unit-failed", "-f")
	if r.code != cli.ExitUsage || r.stderr != "marketd: --unit-failed \"-f\": want a systemd unit name such as marketd.service\n" {
		t.Errorf("bad unit name: exit %d, stderr %q", r.code, r.stderr)
	}
	r = notifyAt(t, now, env, &fakeJournal{err: errors.New("exit status 1: No journal files were found.")}, "notify", "--unit-failed", "marketd.service")
	if r.code != cli.ExitUsage || !strings.HasSuffix(r.stderr, "\nmarketd: email.host is not set: the failure of marketd.service was printed, not mailed\n") ||
		!strings.Contains(r.stderr, `"msg":"cannot read the journal","unit":"marketd.service","err":"exit status 1: No journal files were found."`) {
		t.Errorf("no email.host: exit %d, stderr %q", r.code, r.stderr)
	}
	if !strings.HasPrefix(r.stdout, "Subject: marketd: marketd.service failed on ") ||
		!strings.HasSuffix(r.stdout, "The last 50 journal lines of marketd.service:\n\n(the journal could not be read: exit status 1: No journal files were found.)\n") {
		t.Errorf("printed message:\n%s", r.stdout)
	}
}
