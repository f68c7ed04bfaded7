package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"testing"
	"time"

	smtpmock "github.com/mocktools/go-smtp-mock/v2"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/market/calendar"
	"github.com/marketd/marketd/store"
	"github.com/marketd/marketd/validate"

	"github.com/marketd/marketd/cmd/marketd/internal/cli"
)

// validateNow is a Thursday evening in Seoul; the 15 XKRX sessions before
// it are 2026-09-15..2026-10-08 (Chuseok and 10-05 closed).
var validateNow = time.Date(2026, 10, 8, 22, 0, 0, 0, time.FixedZone("KST", 9*3600))

// marketdAt runs a command line in-process with the clock at now.
func marketdAt(t *testing.T, now time.Time, environ []string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	a := &app{stdout: &out, stderr: &errb, environ: environ, build: cli.CurrentBuild(version, commit, date), now: func() time.Time { return now }}
	code := a.execute(context.Background(), args)
	return result{code, out.String(), errb.String()}
}

// seedSessions stores two Naver instruments with a bar on every session of
// the window except the ones listed as missing.
func seedSessions(t *testing.T, path string, missing map[string][]market.Date) {
	t.Helper()
	cal, err := calendar.For(market.XKRX)
	if err != nil {
		t.Fatal(err)
	}
	var insts []market.Instrument
	var writes []store.Write
	for n, code := range []string{"000660", "005930"} {
		k := market.Key{Source: market.SourceNaver, Symbol: code}
		insts = append(insts, market.Instrument{Key: k, Market: market.XKRX, Board: "KOSPI", Active: true})
		w := store.Write{Key: k}
	session:
		for i, d := range cal.Sessions(20260915, 20261008) {
			for _, m := range missing[code] {
				if m == d {
					continue session
				}
			}
			c := market.DecimalFromInt(int64(100000*(n+1) + 100*i))
			w.Bars = append(w.Bars, market.Bar{Date: d, Open: market.Some(c), High: market.Some(c + 500), Low: market.Some(c - 500),
				Close: c, Volume: market.Some(int64(1000 + i))})
		}
		w.Watermark = w.Bars[len(w.Bars)-1].Date
		writes = append(writes, w)
	}
	seed(t, path, insts, writes)
}

func TestValidateCommand(t *testing.T) {
	env, path := tempDB(t)
	seedSessions(t, path, map[string][]market.Date{"005930": {20260929, 20260930}})
	args := []string{"validate", "--lookback", "15", "--no-email", "--no-repair"}

	r := marketdAt(t, validateNow, env, args...)
	if r.code != cli.ExitProblems {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, cli.ExitProblems, r.stdout, r.stderr)
	}
	for _, want := range []string{
		"marketd: 1 gap — XKRX (2026-10-08)",
		"- [gap, new] naver 005930 2026-09-29..2026-09-30 (2 sessions): missing",
		"    marketd backfill --source naver --symbols 005930 --from 2026-09-29 --to 2026-09-30",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	if !strings.Contains(r.stderr, "problems found") {
		t.Errorf("stderr = %q", r.stderr)
	}
	// Both watermarks reached the last closed session: fresh, gap or not.
	r = marketdAt(t, validateNow, env, "status")
	if want := "XKRX    naver   2            2       2          2026-10-08  2      0       2026-10-08\n"; !strings.Contains(r.stdout, want) {
		t.Errorf("status lacks %q:\n%s", want, r.stdout)
	}
	// Friday 10-09 is Hangul Day: still fresh. Monday evening: behind.
	if r = marketdAt(t, validateNow.AddDate(0, 0, 1), env, "status"); !strings.Contains(r.stdout, "2026-10-08  2      0 ") {
		t.Errorf("status on Hangul Day:\n%s", r.stdout)
	}
	r = marketdAt(t, validateNow.AddDate(0, 0, 4), env, "status")
	if want := "XKRX    naver   2            2       2          2026-10-08  0      2       2026-10-08\n"; !strings.Contains(r.stdout, want) {
		t.Errorf("status on Monday lacks %q:\n%s", want, r.stdout)
	}

	// JSON: the same problem, now open since the first run.
	r = marketdAt(t, validateNow.Add(time.Hour), env, append(args, "--format", "json")...)
	var got struct {
		Subject  string
		Clean    bool
		Problems []validate.ProblemJSON
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("json: %v\n%s", err, r.stdout)
	}
	want := []validate.ProblemJSON{{Kind: "gap", Market: "XKRX", Source: "naver", Symbol: "005930", From: "2026-09-29", To: "2026-09-30",
		Sessions: 2, Detail: "missing", Repair: "marketd backfill --source naver --symbols 005930 --from 2026-09-29 --to 2026-09-30"}}
	if got.Clean || fmt.Sprint(got.Problems) != fmt.Sprint(want) {
		t.Errorf("json problems = %+v, want %+v", got.Problems, want)
	}

	// Acknowledged, the gap is no longer reported: exit 0.
	if r := marketdAt(t, validateNow, env, "gaps", "ack", "naver", "005930", "2026-09-29..2026-09-30", "--reason", "not served"); r.code != 0 {
		t.Fatalf("gaps ack: exit %d: %s", r.code, r.stderr)
	}
	if r := marketdAt(t, validateNow, env, args...); r.code != cli.ExitOK || !strings.Contains(r.stdout, "marketd: all clear — XKRX (2026-10-08)") {
		t.Errorf("after ack: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = marketdAt(t, validateNow, env, "gaps", "list", "--lookback", "15")
	if r.code != 0 || !strings.Contains(r.stdout, "acknowledged         naver 005930     2026-09-29..2026-09-30           not served") {
		t.Errorf("gaps list: exit %d\n%q", r.code, r.stdout)
	}
	if r := marketdAt(t, validateNow, env, "gaps", "unack", "naver", "005930", "2026-09-30"); r.code != 0 {
		t.Fatalf("gaps unack: exit %d: %s", r.code, r.stderr)
	}
	if r := marketdAt(t, validateNow, env, args...); r.code != cli.ExitProblems {
		t.Errorf("after unack: exit %d, want %d", r.code, cli.ExitProblems)
	}
	// Bad input names the thing.
	for _, bad := range [][]string{
		{"gaps", "ack", "naver", "005930", "2026-09-30..2026-09-29", "--reason", "x"},
		{"gaps", "ack", "naver", "005930", "2026-09-30"},
		{"gaps", "ack", "google", "005930", "2026-09-30", "--reason", "x"},
		{"validate", "--since", "30/09/2026"},
		{"validate", "--market", "XWAR"},
	} {
		if r := marketdAt(t, validateNow, env, bad...); r.code != cli.ExitUsage {
			t.Errorf("%v: exit %d, want %d (%s)", bad, r.code, cli.ExitUsage, r.stderr)
		}
	}
}

func TestCalendarOverrideChangesWhatIsExpected(t *testing.T) {
	env, path := tempDB(t)
	// Both instruments lack 10-07: a market-wide miss, unless the market was closed.
	seedSessions(t, path, map[string][]market.Date{"005930": {20261007}, "000660": {20261007}})
	args := []string{"validate", "--lookback", "15", "--no-email", "--no-repair"}
	if r := marketdAt(t, validateNow, env, args...); r.code != cli.ExitProblems || !strings.Contains(r.stdout, "[market-wide missing, new] naver XKRX 2026-10-07") {
		t.Fatalf("before the override: exit %d\n%s", r.code, r.stdout)
	}
	r := marketdAt(t, validateNow, env, "calendar", "close", "XKRX", "2026-10-07", "--reason", "typhoon")
	if r.code != 0 || r.stdout != "XKRX 2026-10-07 recorded as closed (typhoon)\n" {
		t.Fatalf("calendar close: exit %d %q %s", r.code, r.stdout, r.stderr)
	}
	if r := marketdAt(t, validateNow, env, args...); r.code != cli.ExitOK {
		t.Errorf("after the override: exit %d\n%s", r.code, r.stdout)
	}
	r = marketdAt(t, validateNow, env, "calendar", "show", "XKRX", "--year", "2026")
	for _, want := range []string{
		"XKRX 2026: 243 sessions,",
		"  closed 2026-10-07 Wed  typhoon\n",
		"  closed 2026-09-24 Thu  ",
		"  Oct: 1 2 6 8 12",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("calendar show lacks %q:\n%s", want, r.stdout)
		}
	}
}

func TestValidateMailsAndResends(t *testing.T) {
	env, path := tempDB(t)
	seedSessions(t, path, map[string][]market.Date{"005930": {20260929}})
	srv := smtpmock.New(smtpmock.ConfigurationAttr{HostAddress: "127.0.0.1", MultipleRcptto: true, MultipleMessageReceiving: true})
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	mailEnv := append(env, "MARKETD_EMAIL_HOST=127.0.0.1", "MARKETD_EMAIL_TLS=none", "MARKETD_EMAIL_HELO=marketd.example.com",
		"MARKETD_EMAIL_FROM=marketd@example.com", "MARKETD_EMAIL_TO=ops@example.com,dev@example.com",
		"MARKETD_EMAIL_PASSWORD=hunter2-smtp")

	// The SMTP server is not where the config says: the run fails, the
	// report is kept, the password is never printed.
	down := append(mailEnv, "MARKETD_EMAIL_PORT=1")
	r := marketdAt(t, validateNow, down, "validate", "--lookback", "15", "--no-repair")
	if r.code != cli.ExitRuntime || !strings.Contains(r.stderr, "--resend") || strings.Contains(r.stdout+r.stderr, "hunter2") {
		t.Fatalf("mail down: exit %d\nstderr: %s", r.code, r.stderr)
	}
	up := append(mailEnv, fmt.Sprintf("MARKETD_EMAIL_PORT=%d", srv.PortNumber()))
	r = marketdAt(t, validateNow, up, "validate", "--resend")
	if r.code != 0 || r.stdout != "resent 1 reports\n" {
		t.Fatalf("resend: exit %d %q %s", r.code, r.stdout, r.stderr)
	}
	msgs, err := srv.WaitForMessages(1, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := mail.ReadMessage(strings.NewReader(msgs[0].MsgRequest()))
	if err != nil {
		t.Fatal(err)
	}
	_, params, _ := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	part, err := multipart.NewReader(msg.Body, params["boundary"]).NextPart() // text/plain comes first
	if err != nil {
		t.Fatal(err)
	}
	text, _ := io.ReadAll(part) // multipart undoes quoted-printable
	if !strings.Contains(string(text), "marketd backfill --source naver --symbols 005930 --from 2026-09-29 --to 2026-09-29") {
		t.Errorf("mail lacks the repair command:\n%s", text)
	}
	if n := len(msgs[0].RcpttoRequestResponse()); n != 2 {
		t.Errorf("%d recipients, want 2", n)
	}
}

// A selection with no instrument is not "all clear": nothing was read.
func TestValidateNothingSelected(t *testing.T) {
	env, path := tempDB(t)
	seed(t, path, boardInstruments, nil)
	r := marketdAt(t, validateNow, env, "validate", "--no-email", "--no-repair", "--market", "FX")
	want := "marketd: nothing checked, no active instrument matches (2026-10-08)\n\n\nNo active instrument matches the selection: nothing was checked.\n\n"
	if r.code != cli.ExitOK || r.stdout != want {
		t.Errorf("validate --market FX: exit %d, stdout %q, stderr %q; want %q", r.code, r.stdout, r.stderr, want)
	}
}
