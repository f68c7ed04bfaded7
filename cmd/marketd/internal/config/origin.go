package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
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
		parts = append(parts, count(vars, "environment variable"))
	}
	if flags > 0 {
		parts = append(parts, count(flags, "flag"))
	}
	if len(parts) == 1 {
		return from
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// Describe says what the configuration sets up, for config check: the
// database (password masked), the jobs, the overrides and the mail.
func (c Config) Describe() string {
	email := "email off (email.host unset)"
	if c.Email.Host != "" {
		email = fmt.Sprintf("email to %d recipients via %s:%d", len(c.Email.To), c.Email.Host, c.Email.Port)
	}
	return fmt.Sprintf("database %s, %s, %s, %s", c.Database.Name(), count(len(c.Schedule.Jobs), "scheduled job"),
		count(len(c.CalendarOverrides), "calendar override"), email)
}

// count counts things in words: "1 flag", "2 flags".
func count(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}
