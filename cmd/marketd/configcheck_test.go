package main

import (
	"os"
	"testing"

	"github.com/marketd/marketd/cmd/marketd/internal/cli"
)

func TestConfigCheck(t *testing.T) {
	env, path := tempDB(t) // also moves into an empty directory
	r := marketdAt(t, validateNow, append(env, "MARKETD_EMAIL_HOST=smtp.example.com", "MARKETD_EMAIL_FROM=m@example.com", "MARKETD_EMAIL_TO=a@example.com,b@example.com"),
		"config", "check")
	want := "configuration ok (no file: defaults and 4 environment variables): database sqlite:" + path + ", 7 scheduled jobs, 0 calendar overrides, email to 2 recipients via smtp.example.com:587\n"
	if r.code != cli.ExitOK || r.stdout != want {
		t.Errorf("config check: exit %d\n got %q\nwant %q\n%s", r.code, r.stdout, want, r.stderr)
	}
	if _, err := os.Stat(path); err == nil {
		t.Error("config check created the database; it must not open it")
	}

	if err := os.WriteFile("marketd.yaml", []byte("validate:\n  lookback: 10\n  max_moves: 2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r = marketdAt(t, validateNow, env, "config", "check")
	if want := "marketd: marketd.yaml:3: unknown key \"validate.max_moves\"\n"; r.code != cli.ExitUsage || r.stderr != want {
		t.Errorf("bad file: exit %d, stderr %q; want %d, %q", r.code, r.stderr, cli.ExitUsage, want)
	}
	r = marketdAt(t, validateNow, env, "--set", "database=mysql://u:secret@db.example.com:3306/m", "--config", "/dev/null", "config", "check")
	if want := "configuration ok (/dev/null, 1 environment variable and 1 flag): database mysql://u:xxxxx@db.example.com:3306/m, 7 scheduled jobs, 0 calendar overrides, email off (email.host unset)\n"; r.stdout != want {
		t.Errorf("password masked:\n got %q\nwant %q\n%s", r.stdout, want, r.stderr)
	}
}

// Each invalid key is a line of its own, named by where the value that
// made it invalid came from: the email.host that was set, not a "default"
// email.from.
func TestConfigCheckWording(t *testing.T) {
	env, path := tempDB(t)
	r := marketdAt(t, validateNow, append(env, "MARKETD_EMAIL_HOST=127.0.0.1"), "config", "check")
	want := "marketd: environment MARKETD_EMAIL_HOST: email.host: set, so email.from must be too (the sender's address)\n" +
		"marketd: environment MARKETD_EMAIL_HOST: email.host: set, so email.to must list at least one address\n"
	if r.code != cli.ExitUsage || r.stderr != want || r.stdout != "" {
		t.Errorf("email.host alone: exit %d, stdout %q\n got %q\nwant %q", r.code, r.stdout, r.stderr, want)
	}

	yaml := `calendar_overrides:
  - {market: XKRX, date: 2026-12-29, reason: "temporary holiday"}
schedule:
  jobs:
    - {name: collect-krx, cron: "0 30 20 * * MON-FRI", tz: Asia/Seoul, source: naver, market: XKRX}
`
	if err := os.WriteFile("marketd.yaml", []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	r = marketdAt(t, validateNow, env, "config", "check")
	want = "configuration ok (marketd.yaml and 1 environment variable): database sqlite:" + path + ", 1 scheduled job, 1 calendar override, email off (email.host unset)\n"
	if r.code != cli.ExitOK || r.stdout != want {
		t.Errorf("one of each: exit %d\n got %q\nwant %q\n%s", r.code, r.stdout, want, r.stderr)
	}
	r = marketdAt(t, validateNow, nil, "--set", "validate.lookback=5", "--log-level", "warn", "config", "check")
	want = "configuration ok (marketd.yaml and 2 flags): database sqlite:marketd.db, 1 scheduled job, 1 calendar override, email off (email.host unset)\n"
	if r.code != cli.ExitOK || r.stdout != want {
		t.Errorf("flags only: exit %d\n got %q\nwant %q\n%s", r.code, r.stdout, want, r.stderr)
	}
	r = marketdAt(t, validateNow, append(env, "MARKETD_VALIDATE_LOOKBACK=5"), "--set", "validate.max_repeats=4", "config", "check")
	want = "configuration ok (marketd.yaml, 2 environment variables and 1 flag): database sqlite:" + path + ", 1 scheduled job, 1 calendar override, email off (email.host unset)\n"
	if r.code != cli.ExitOK || r.stdout != want {
		t.Errorf("all three: exit %d\n got %q\nwant %q\n%s", r.code, r.stdout, want, r.stderr)
	}
}
