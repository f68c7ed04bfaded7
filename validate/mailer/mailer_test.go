package mailer

import (
	"context"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"strings"
	"testing"
	"time"

	smtpmock "github.com/mocktools/go-smtp-mock/v2"
)

func startSMTP(t *testing.T) *smtpmock.Server {
	t.Helper()
	srv := smtpmock.New(smtpmock.ConfigurationAttr{
		HostAddress:              "127.0.0.1",
		MultipleRcptto:           true,
		MultipleMessageReceiving: true,
	})
	if err := srv.Start(); err != nil {
		t.Fatalf("start SMTP server: %v", err)
	}
	t.Cleanup(func() { _ = srv.Stop() })
	return srv
}

func TestSendDeliversBothParts(t *testing.T) {
	srv := startSMTP(t)
	m, err := New(Config{
		Host: "127.0.0.1", Port: srv.PortNumber(), TLS: TLSNone, HELO: "marketd.test",
		From: "marketd@example.com", To: []string{"ops@example.com", "dev@example.com"},
	})
	if err != nil {
		t.Fatal(err)
	}
	msg := Message{Subject: "marketd: 3 gaps — XKRX (2026-11-23)", Text: "plain body 삼성전자", HTML: "<p>html body</p>"}
	if err := m.Send(context.Background(), msg); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got, err := srv.WaitForMessages(1, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if h := got[0].HeloRequest(); h != "EHLO marketd.test" {
		t.Errorf("HELO = %q, want EHLO marketd.test", h)
	}
	if rc := len(got[0].RcpttoRequestResponse()); rc != 2 {
		t.Errorf("RCPT TO count = %d, want 2", rc)
	}
	raw := strings.TrimSuffix(got[0].MsgRequest(), "\r\n.\r\n")
	parsed, err := mail.ReadMessage(strings.NewReader(raw))
	if err != nil {
		t.Fatalf("parse message: %v\n%s", err, raw)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(parsed.Header.Get("Subject"))
	if err != nil || subject != msg.Subject {
		t.Errorf("Subject = %q (%v), want %q", subject, err, msg.Subject)
	}
	mediaType, params, err := mime.ParseMediaType(parsed.Header.Get("Content-Type"))
	if err != nil || mediaType != "multipart/alternative" {
		t.Fatalf("Content-Type = %q (%v), want multipart/alternative", mediaType, err)
	}
	parts := map[string]string{}
	r := multipart.NewReader(parsed.Body, params["boundary"])
	for {
		p, err := r.NextPart()
		if err != nil {
			break
		}
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		buf := new(strings.Builder)
		if _, err := copyDecoded(buf, p); err != nil {
			t.Fatal(err)
		}
		parts[ct] = buf.String()
	}
	if parts["text/plain"] != msg.Text {
		t.Errorf("text/plain part = %q, want %q", parts["text/plain"], msg.Text)
	}
	if parts["text/html"] != msg.HTML {
		t.Errorf("text/html part = %q, want %q", parts["text/html"], msg.HTML)
	}
}

func TestSendFailureIsRetriedAndHidesPassword(t *testing.T) {
	// A port nobody listens on: every attempt fails to connect.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()

	m, err := New(Config{
		Host: "127.0.0.1", Port: port, TLS: TLSNone, Username: "u", Password: "s3cret-pw",
		From: "marketd@example.com", To: []string{"ops@example.com"},
		Attempts: 2, Backoff: time.Millisecond, Timeout: time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	err = m.Send(context.Background(), Message{Subject: "s", Text: "t"})
	if err == nil {
		t.Fatal("Send to a closed port succeeded")
	}
	if strings.Contains(err.Error(), "s3cret-pw") {
		t.Errorf("error leaks the password: %v", err)
	}
	if !strings.Contains(err.Error(), "127.0.0.1:"+itoa(port)) {
		t.Errorf("error does not name the server: %v", err)
	}
}

func TestConfigValidateNamesKey(t *testing.T) {
	base := Config{Host: "h", From: "a@b.c", To: []string{"d@e.f"}}
	tests := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"ok", func(*Config) {}, ""},
		{"no host", func(c *Config) { c.Host = "" }, "email.host"},
		{"no from", func(c *Config) { c.From = "" }, "email.from"},
		{"no to", func(c *Config) { c.To = nil }, "email.to"},
		{"bad tls", func(c *Config) { c.TLS = "always" }, `email.tls "always"`},
		{"both passwords", func(c *Config) { c.Password, c.PasswordFile = "x", "/f" }, "email.password_file"},
		{"bad port", func(c *Config) { c.Port = 70000 }, "email.port"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := base
			tt.edit(&c)
			err := c.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate() = %v, want an error naming %q", err, tt.want)
			}
		})
	}
}
