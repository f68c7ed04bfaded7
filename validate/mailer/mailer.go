// Package mailer sends marketd's reports by SMTP with go-mail. It owns the
// SMTP settings (TLS policy, port, HELO, credentials) so the validator only
// says what to send, and it never lets the password reach an error or a log.
package mailer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/sethvargo/go-retry"
	"github.com/wneessen/go-mail"
)

// TLS policies for Config.TLS.
const (
	// TLSMandatory refuses to send unless the connection is encrypted:
	// implicit TLS on port 465, STARTTLS on any other port.
	TLSMandatory = "mandatory"
	// TLSStartTLS uses STARTTLS when the server offers it and sends in
	// clear text otherwise.
	TLSStartTLS = "starttls"
	// TLSNone never encrypts: for a local relay or a test catcher only.
	TLSNone = "none"
)

// Config holds the SMTP settings (the email section of marketd's config).
type Config struct {
	Host         string
	Port         int // default 587; 465 means implicit TLS
	TLS          string
	Username     string
	Password     string
	PasswordFile string // read at send time, so a rotated secret needs no restart
	From         string
	To           []string
	HELO         string // default: go-mail's (the host name); some relays insist on a real FQDN
	Timeout      time.Duration
	// Attempts bounds the sends tried before giving up (default 3).
	Attempts int
	// Backoff is the first delay between attempts (default 2s).
	Backoff time.Duration
}

// Validate reports the first setting that cannot work, naming its key.
func (c Config) Validate() error {
	switch {
	case c.Host == "":
		return errors.New("email.host is empty")
	case c.From == "":
		return errors.New("email.from is empty")
	case len(c.To) == 0:
		return errors.New("email.to is empty")
	case c.Port < 0 || c.Port > 65535:
		return fmt.Errorf("email.port %d is out of range", c.Port)
	case c.Password != "" && c.PasswordFile != "":
		return errors.New("email.password and email.password_file are both set; keep one")
	}
	switch c.TLS {
	case "", TLSMandatory, TLSStartTLS, TLSNone:
	default:
		return fmt.Errorf("email.tls %q: want %s, %s or %s", c.TLS, TLSMandatory, TLSStartTLS, TLSNone)
	}
	return nil
}

// Message is one email: a subject with a plain-text and an HTML body.
type Message struct {
	Subject string
	Text    string
	HTML    string
}

// Mailer sends Messages with one Config.
type Mailer struct {
	cfg Config
}

// New returns a Mailer, or the first invalid setting.
func New(cfg Config) (*Mailer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Port == 0 {
		cfg.Port = 587
	}
	if cfg.TLS == "" {
		cfg.TLS = TLSMandatory
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.Attempts < 1 {
		cfg.Attempts = 3
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = 2 * time.Second
	}
	return &Mailer{cfg: cfg}, nil
}

// Send delivers msg to every recipient, retrying failed attempts with
// exponential backoff. The error names the server and says why, never the
// password.
func (m *Mailer) Send(ctx context.Context, msg Message) error {
	mm, err := m.build(msg)
	if err != nil {
		return err
	}
	b := retry.WithMaxRetries(uint64(m.cfg.Attempts-1), retry.WithJitterPercent(20, retry.NewExponential(m.cfg.Backoff)))
	err = retry.Do(ctx, b, func(ctx context.Context) error {
		client, err := m.client()
		if err != nil {
			return err // a configuration problem: retrying will not help
		}
		if err := client.DialAndSendWithContext(ctx, mm); err != nil {
			return retry.RetryableError(err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sending %q via %s:%d: %s", msg.Subject, m.cfg.Host, m.cfg.Port, m.redact(err.Error()))
	}
	return nil
}

func (m *Mailer) build(msg Message) (*mail.Msg, error) {
	mm := mail.NewMsg()
	if err := mm.From(m.cfg.From); err != nil {
		return nil, fmt.Errorf("email.from %q: %w", m.cfg.From, err)
	}
	if err := mm.To(m.cfg.To...); err != nil {
		return nil, fmt.Errorf("email.to %q: %w", strings.Join(m.cfg.To, ","), err)
	}
	mm.Subject(msg.Subject)
	mm.SetDate()
	mm.SetMessageID()
	mm.SetBodyString(mail.TypeTextPlain, msg.Text)
	if msg.HTML != "" {
		mm.AddAlternativeString(mail.TypeTextHTML, msg.HTML)
	}
	return mm, nil
}

func (m *Mailer) client() (*mail.Client, error) {
	opts := []mail.Option{mail.WithPort(m.cfg.Port), mail.WithTimeout(m.cfg.Timeout)}
	switch {
	case m.cfg.TLS == TLSNone:
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	case m.cfg.TLS == TLSMandatory && m.cfg.Port == 465:
		opts = append(opts, mail.WithSSL())
	case m.cfg.TLS == TLSMandatory:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	default:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSOpportunistic))
	}
	if m.cfg.HELO != "" {
		opts = append(opts, mail.WithHELO(m.cfg.HELO))
	}
	password, err := m.password()
	if err != nil {
		return nil, err
	}
	if m.cfg.Username != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover),
			mail.WithUsername(m.cfg.Username), mail.WithPassword(password))
	}
	client, err := mail.NewClient(m.cfg.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("email settings: %s", m.redact(err.Error()))
	}
	return client, nil
}

func (m *Mailer) password() (string, error) {
	if m.cfg.PasswordFile == "" {
		return m.cfg.Password, nil
	}
	b, err := os.ReadFile(m.cfg.PasswordFile)
	if err != nil {
		return "", fmt.Errorf("email.password_file: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// redact removes the password from a server or library message, in case
// one ever echoes it.
func (m *Mailer) redact(s string) string {
	if p, err := m.password(); err == nil && p != "" {
		s = strings.ReplaceAll(s, p, "*****")
	}
	return s
}
