package daemon_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/marketd/marketd/cmd/marketd/internal/config"
	"github.com/marketd/marketd/cmd/marketd/internal/daemon"
	"github.com/marketd/marketd/validate/mailer"
)

// Serve reloads on SIGHUP what reload loads, keeps the running
// configuration when it fails (secrets masked in the log), and stops
// cleanly on SIGTERM.
func TestServe(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	cfg := loadConfig(t, fmt.Sprintf(baseConfig, "0 30 17 * * MON-FRI"))
	cfg.Email.Password = "s3cret"
	logs := &syncBuffer{}
	d, err := daemon.New(ctx, cfg, daemon.Deps{Store: st, Build: generations(st, nil), Log: slog.New(slog.NewJSONHandler(logs, nil)), Host: "h"})
	if err != nil {
		t.Fatal(err)
	}
	sigs := make(chan os.Signal, 3)
	next := loadConfig(t, fmt.Sprintf(baseConfig, "0 0 18 * * MON-FRI"))
	loads := []error{errors.New("marketd.yaml:3: email.password s3cret: bad"), nil}
	reload := func() (config.Config, error) {
		err := loads[0]
		loads = loads[1:]
		return next, err
	}
	ready := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- daemon.Serve(ctx, d, sigs, reload, func(*daemon.Daemon) { close(ready) }) }()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("Serve returned before ready: %v", err)
	}
	sigs <- syscall.SIGHUP // rejected
	sigs <- syscall.SIGHUP // taken
	for deadline := time.Now().Add(10 * time.Second); d.Jobs()[0].Cron != "0 0 18 * * MON-FRI"; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the second SIGHUP did not reload: jobs %+v", d.Jobs())
		}
	}
	sigs <- syscall.SIGTERM
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve after SIGTERM = %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Serve still running 20s after SIGTERM")
	}
	if l := logs.String(); !strings.Contains(l, "configuration reload rejected; keeping the running one") || strings.Contains(l, "s3cret") {
		t.Errorf("logs: want the rejected reload, secret masked:\n%s", l)
	}
}

type sentMail struct{ got []mailer.Message }

func (s *sentMail) Send(_ context.Context, m mailer.Message) error {
	s.got = append(s.got, m)
	return nil
}

// The mail of a failed unit carries its journal with secrets masked, or
// says the journal could not be read.
func TestNotifyUnitFailed(t *testing.T) {
	cfg := config.Default()
	cfg.Email.Password = "s3cret"
	at := time.Date(2026, 3, 6, 22, 0, 0, 0, time.UTC)
	journal := func(_ context.Context, unit string, lines int) (string, error) {
		return fmt.Sprintf("%s: %d lines, password s3cret\n", unit, lines), nil
	}
	f := daemon.UnitFailure{Unit: "marketd.service", Host: "h", At: at, Journal: journal, Log: slog.New(slog.DiscardHandler)}
	var sent sentMail
	msg, err := daemon.NotifyUnitFailed(context.Background(), cfg, f, &sent)
	if err != nil || len(sent.got) != 1 || sent.got[0].Subject != msg.Subject {
		t.Fatalf("NotifyUnitFailed = %v, sent %d", err, len(sent.got))
	}
	if !strings.Contains(msg.Text, "marketd.service: 50 lines, password xxxxx") || strings.Contains(msg.Text, "s3cret") {
		t.Errorf("mail text:\n%s", msg.Text)
	}
	f.Journal = func(context.Context, string, int) (string, error) { return "", errors.New("journalctl: not found") }
	msg, err = daemon.NotifyUnitFailed(context.Background(), cfg, f, nil)
	if err != nil || !strings.Contains(msg.Text, "(the journal could not be read: journalctl: not found)") {
		t.Errorf("unread journal: %v\n%s", err, msg.Text)
	}
}

// Wired builds a generation of every configured source over its own pool,
// with the configuration's calendar overrides.
func TestWired(t *testing.T) {
	st := openStore(t)
	cfg := loadConfig(t, fmt.Sprintf(baseConfig, "0 30 17 * * MON-FRI")+
		"calendar_overrides:\n  - {market: XNYS, date: 2026-10-13, open: false, reason: storm}\n")
	g, err := daemon.Wired(st, slog.New(slog.DiscardHandler), time.Now)(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if g.Collector == nil || g.Validate == nil || len(g.Pools) != 2 || g.Pools["yahoo"] == nil || g.Pools["naver"] == nil {
		t.Fatalf("generation %+v: want a collector, a validation and the yahoo and naver pools", g)
	}
	cal, err := g.Calendars.For(context.Background(), "XNYS")
	if err != nil || cal.IsSession(20261013) {
		t.Errorf("XNYS 2026-10-13 is a session (%v); the configured closure is missing", err)
	}
}
