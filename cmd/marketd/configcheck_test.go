package main

import (
	"os"
	"testing"
)

func TestConfigCheck(t *testing.T) {
	env, path := tempDB(t) // also moves into an empty directory
	r := marketdAt(t, validateNow, append(env, "MARKETD_EMAIL_HOST=smtp.example.com", "MARKETD_EMAIL_FROM=m@example.com", "MARKETD_EMAIL_TO=a@example.com,b@example.com"),
		"config", "check")
	want := "configuration ok (no file: defaults): database sqlite:" + path + ", 3 scheduled jobs, 0 calendar overrides, email to 2 recipients via smtp.example.com:587\n"
	if r.code != exitOK || r.stdout != want {
		t.Errorf("config check: exit %d\n got %q\nwant %q\n%s", r.code, r.stdout, want, r.stderr)
	}
	if _, err := os.Stat(path); err == nil {
		t.Error("config check created the database; it must not open it")
	}

	if err := os.WriteFile("marketd.yaml", []byte("validate:\n  lookback: 10\n  max_moves: 2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r = marketdAt(t, validateNow, env, "config", "check")
	if want := "marketd: marketd.yaml:3: unknown key \"validate.max_moves\"\n"; r.code != exitUsage || r.stderr != want {
		t.Errorf("bad file: exit %d, stderr %q; want %d, %q", r.code, r.stderr, exitUsage, want)
	}
	r = marketdAt(t, validateNow, env, "--set", "database=mysql://u:secret@db.example.com:3306/m", "--config", "/dev/null", "config", "check")
	if want := "configuration ok (/dev/null): database mysql://u:xxxxx@db.example.com:3306/m, 3 scheduled jobs, 0 calendar overrides, email off (email.host unset)\n"; r.stdout != want {
		t.Errorf("password masked:\n got %q\nwant %q\n%s", r.stdout, want, r.stderr)
	}
}
