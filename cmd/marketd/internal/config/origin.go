package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/marketd/marketd/cmd/marketd/internal/cli"
)

// Origin says where a configuration came from, for config check: the file
// (path, or the default one when it exists) or none, and how many of
// environ's variables and how many flags changed it: "marketd.yaml, 2
// environment variables and 1 flag".
func Origin(path string, environ []string, flags int) string {
	from := path
	if from == "" {
		from = "no file: defaults"
		if _, err := os.Stat(DefaultPath); !errors.Is(err, fs.ErrNotExist) {
			from = DefaultPath
		}
	}
	env := map[string]bool{}
	for _, k := range Keys() {
		env[k.Env] = true
	}
	vars := 0
	for _, kv := range environ {
		if name, _, _ := strings.Cut(kv, "="); env[name] {
			vars++
		}
	}
	parts := []string{from}
	if vars > 0 {
		parts = append(parts, cli.Plural(vars, "environment variable"))
	}
	if flags > 0 {
		parts = append(parts, cli.Plural(flags, "flag"))
	}
	return cli.JoinWords(parts, "and")
}

// Describe says what the configuration sets up, for config check: the
// database (password masked), the jobs, the overrides and the mail.
func (c Config) Describe() string {
	email := "email off (email.host unset)"
	if c.Email.Host != "" {
		email = fmt.Sprintf("email to %s via %s:%d", cli.Plural(len(c.Email.To), "recipient"), c.Email.Host, c.Email.Port)
	}
	return fmt.Sprintf("database %s, %s, %s, %s", c.Database.Name(), cli.Plural(len(c.Schedule.Jobs), "scheduled job"),
		cli.Plural(len(c.CalendarOverrides), "calendar override"), email)
}
