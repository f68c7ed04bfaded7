package config

import (
	"net/url"
	"strings"
)

// Redact keeps the configuration's secrets (the database and SMTP
// passwords, the tokens in heartbeat URLs) out of an error that is logged,
// printed or recorded in the run log, keeping what it wraps for errors.Is
// and errors.As.
func (c Config) Redact(err error) error {
	if err == nil {
		return nil
	}
	msg := c.RedactString(err.Error())
	if msg == err.Error() {
		return err
	}
	return redactedError{msg: msg, err: err}
}

// RedactString masks the configuration's secrets in s.
func (c Config) RedactString(s string) string {
	for _, secret := range c.secrets() {
		s = strings.ReplaceAll(s, secret, "xxxxx")
	}
	return s
}

func (c Config) secrets() []string {
	var out []string
	for _, s := range []string{c.Database.Password(), c.Email.Password} {
		if s != "" {
			out = append(out, s)
		}
	}
	out = append(out, urlSecrets(c.Notify.PingURL)...)
	for _, j := range c.Schedule.Jobs {
		out = append(out, urlSecrets(j.PingURL)...)
	}
	return out
}

// urlSecrets returns the parts of a heartbeat URL that hold its token, as
// written: whoever knows the path (hc-ping.com/UUID) or the query
// (?token=…) can ping the check, so both are passwords. The scheme and host
// stay readable: they say which service failed.
func urlSecrets(raw string) []string {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return []string{raw} // unparsable: all of it
	}
	var out []string
	if p, ok := u.User.Password(); ok && p != "" {
		out = append(out, p)
	}
	_, rest, _ := strings.Cut(raw, u.Host)
	rest, _, _ = strings.Cut(rest, "#")
	path, query, _ := strings.Cut(rest, "?")
	if p := strings.Trim(path, "/"); p != "" {
		out = append(out, p)
	}
	if query != "" {
		out = append(out, query)
	}
	return out
}

// MaskURL returns a heartbeat URL fit for a log line: its scheme and host,
// the rest masked.
func MaskURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "xxxxx"
	}
	return u.Scheme + "://" + u.Host + "/xxxxx"
}

type redactedError struct {
	msg string
	err error
}

func (e redactedError) Error() string { return e.msg }
func (e redactedError) Unwrap() error { return e.err }
