package config

import "strings"

// Redact keeps the configuration's secrets (the database and SMTP
// passwords) out of an error that is logged, printed or recorded in the run
// log, keeping what it wraps for errors.Is and errors.As.
func (c Config) Redact(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	for _, secret := range []string{c.Database.Password(), c.Email.Password} {
		if secret != "" {
			msg = strings.ReplaceAll(msg, secret, "xxxxx")
		}
	}
	if msg == err.Error() {
		return err
	}
	return redactedError{msg: msg, err: err}
}

type redactedError struct {
	msg string
	err error
}

func (e redactedError) Error() string { return e.msg }
func (e redactedError) Unwrap() error { return e.err }
