package main

import (
	"net/url"
	"strings"
	"testing"

	"github.com/marketd/marketd/store/storetest"

	"github.com/marketd/marketd/cmd/marketd/internal/cli"
)

// TestMySQL runs commands against the real server (MARKETD_TEST_MYSQL):
// the mysql:// wiring, pool settings and credential errors.
func TestMySQL(t *testing.T) {
	raw := storetest.FreshMySQLURL(t) // skips locally, fails under CI=true, when no server answers
	t.Chdir(t.TempDir())
	env := []string{"MARKETD_DATABASE=" + raw, "MARKETD_DATABASE_POOL_MAX_OPEN=3", "MARKETD_DATABASE_POOL_MAX_IDLE=1"}

	r := marketd(t, env, "symbols", "add", "--source", "naver", "--market", "KOSDAQ", "0193T0", "373220")
	if r.code != cli.ExitOK || r.stdout != "symbols add: 2 added, 0 reactivated, 0 already active (naver)\n" {
		t.Fatalf("symbols add: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = marketd(t, env, "symbols", "add", "--source", "naver", "--market", "KOSDAQ", "0193T0", "373220")
	if r.code != cli.ExitOK || r.stdout != "symbols add: 0 added, 0 reactivated, 2 already active (naver)\n" {
		t.Fatalf("symbols add again: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = marketd(t, env, "export", "--source", "naver", "--symbols", "0193T0")
	if r.code != cli.ExitOK || r.stdout != "source,symbol,date,open,high,low,close,adj_close,volume\n" {
		t.Fatalf("export: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}

	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword("marketd_no_such_user", "s3cret-pw")
	r = marketd(t, []string{"MARKETD_DATABASE=" + u.String()}, "status")
	if r.code != cli.ExitRuntime || !strings.Contains(r.stderr, `access denied for user "marketd_no_such_user"`) ||
		strings.Contains(r.stderr, "s3cret-pw") || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("bad credentials: exit %d, stderr %q; want exit 1, one line, access denied, password masked", r.code, r.stderr)
	}
}
