package validate_test

import (
	"context"
	"mime"
	"net"
	"net/mail"
	"strings"
	"testing"
	"time"

	smtpmock "github.com/mocktools/go-smtp-mock/v2"

	"github.com/marketd/marketd/store"
	"github.com/marketd/marketd/store/storetest"
	"github.com/marketd/marketd/validate"
	"github.com/marketd/marketd/validate/mailer"
)

func TestAlertsAcrossRuns(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		truth := scenario(t, s)
		run := func(at time.Time) *validate.Report {
			t.Helper()
			r, err := validate.New(validate.Config{Lookback: 15}, s, calendars, nil, at).Run(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := validate.Track(ctx, s, r); err != nil {
				t.Fatal(err)
			}
			return r
		}
		first := run(now)
		for _, p := range first.Problems {
			if !p.New {
				t.Errorf("first run: %s %s not new", p.Kind, p.Who())
			}
		}
		newOnly := validate.Policy{Repeat: validate.RepeatNewOnly}
		if !newOnly.ShouldSend(first) {
			t.Error("new_only: a report of new problems is not sent")
		}

		// The same problems an hour later: open since the first run.
		second := run(now.Add(time.Hour))
		for _, p := range second.Problems {
			if p.New || !p.FirstSeen.Equal(now.UTC()) {
				t.Errorf("second run: %s %s new=%v first seen %v, want open since %v", p.Kind, p.Who(), p.New, p.FirstSeen, now.UTC())
			}
		}
		if newOnly.ShouldSend(second) {
			t.Error("new_only: a report with nothing new is sent")
		}
		if !(validate.Policy{Repeat: validate.RepeatDaily}).ShouldSend(second) {
			t.Error("daily: an open problem is not sent")
		}

		// Heal 000660: its stale problem is resolved.
		if _, err := s.Write(ctx, []store.Write{{Key: key("000660"), Bars: truth[key("000660")][13:]}}); err != nil {
			t.Fatal(err)
		}
		third := run(now.Add(2 * time.Hour))
		want := "stale naver 000660 2026-10-07"
		if len(third.Resolved) != 1 || third.Resolved[0] != want {
			t.Errorf("resolved = %q, want [%q]", third.Resolved, want)
		}
		if !newOnly.ShouldSend(third) {
			t.Error("new_only: a resolution is not sent")
		}
	})
}

func TestSendAndResend(t *testing.T) {
	ctx := context.Background()
	s := storetest.OpenSQLite(t)
	scenario(t, s)
	r, err := validate.New(validate.Config{Lookback: 15}, s, calendars, nil, now).Run(ctx)
	if err != nil {
		t.Fatal(err)
	}

	// The SMTP server is down: the report is kept.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadPort := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cfg := mailer.Config{Host: "127.0.0.1", Port: deadPort, TLS: mailer.TLSNone, From: "marketd@example.com",
		To: []string{"ops@example.com"}, HELO: "marketd.example.com", Attempts: 2, Backoff: time.Millisecond, Timeout: time.Second}
	down, err := mailer.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := validate.Send(ctx, s, down, r); err == nil || !strings.Contains(err.Error(), "--resend") {
		t.Fatalf("Send to a dead server = %v, want an error pointing at --resend", err)
	}
	kept, err := s.UnsentReports(ctx)
	if err != nil || len(kept) != 1 || kept[0].Subject != r.Subject() {
		t.Fatalf("kept reports = %+v, %v", kept, err)
	}

	// The server is back: --resend delivers it, both parts, and forgets it.
	srv := smtpmock.New(smtpmock.ConfigurationAttr{HostAddress: "127.0.0.1", MultipleMessageReceiving: true})
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	cfg.Port = srv.PortNumber()
	up, err := mailer.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := validate.Resend(ctx, s, up); err != nil || n != 1 {
		t.Fatalf("Resend = %d, %v", n, err)
	}
	msgs, err := srv.WaitForMessages(1, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	raw := msgs[0].MsgRequest()
	parsed, err := mail.ReadMessage(strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(parsed.Header.Get("Subject"))
	if want := "marketd: 1 market-wide miss, 2 gaps, 1 stale, 2 bad bars — XKRX (2026-10-08)"; err != nil || subject != want {
		t.Errorf("subject = %q (%v), want %q", subject, err, want)
	}
	for _, want := range []string{
		"Content-Type: multipart/alternative",
		"Content-Type: text/plain; charset=UTF-8",
		"Content-Type: text/html; charset=UTF-8",
	} {
		if !strings.Contains(raw, want) {
			t.Errorf("mail lacks %q:\n%s", want, raw[:min(len(raw), 2000)])
		}
	}
	if kept, _ := s.UnsentReports(ctx); len(kept) != 0 {
		t.Errorf("%d reports still kept after resend", len(kept))
	}
}
