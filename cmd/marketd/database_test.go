package main

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/marketd/marketd/store"
	"github.com/marketd/marketd/store/mysql"
	"github.com/marketd/marketd/store/sqlite"
	"github.com/marketd/marketd/store/storetest"

	"github.com/marketd/marketd/cmd/marketd/internal/cli"
)

// migrationVersions returns the versions of dialect's migrations (goose's
// numeric file name prefixes), ascending: numbers may skip, so the newest
// is the last one, not the count.
func migrationVersions(t *testing.T, dialect string) []int64 {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("../../store", dialect, "migrations", "*.sql"))
	if err != nil || len(files) < 2 {
		t.Fatalf("want at least 2 migrations for %s: %v", dialect, err)
	}
	var out []int64
	for _, f := range files {
		num, _, _ := strings.Cut(filepath.Base(f), "_")
		v, err := strconv.ParseInt(num, 10, 64)
		if err != nil {
			t.Fatalf("migration %s: %v", f, err)
		}
		out = append(out, v)
	}
	slices.Sort(out)
	return out
}

// TestNoAutoMigrateNeedsMigrate: with database.auto_migrate false, a
// command on a database without this binary's migrations stops before its
// first query and says to run marketd migrate; it creates nothing.
func TestNoAutoMigrateNeedsMigrate(t *testing.T) {
	tests := []struct {
		dialect string
		// url returns a new, empty database.
		url func(t *testing.T) string
		// open opens it as the store, without migrating.
		open   func(ctx context.Context, url string) (*store.Store, error)
		tables string // counts the database's tables
		name   func(url string) string
	}{
		{
			dialect: "sqlite",
			url:     func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "marketd.db") },
			open: func(ctx context.Context, url string) (*store.Store, error) {
				return sqlite.Open(ctx, strings.TrimPrefix(url, "sqlite:"))
			},
			tables: "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'",
			name:   func(url string) string { return url },
		},
		{
			dialect: "mysql",
			url:     func(t *testing.T) string { return storetest.FreshMySQLURL(t) }, // skips locally without a server
			open: func(ctx context.Context, url string) (*store.Store, error) {
				return mysql.Open(ctx, mysql.Config{URL: url})
			},
			tables: "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE()",
			name:   mysql.Redact,
		},
	}
	for _, tt := range tests {
		t.Run(tt.dialect, func(t *testing.T) {
			ctx := context.Background()
			versions := migrationVersions(t, tt.dialect)
			latest := versions[len(versions)-1]
			t.Chdir(t.TempDir())
			url := tt.url(t)
			env := []string{"MARKETD_DATABASE=" + url, "MARKETD_DATABASE_AUTO_MIGRATE=false"}

			r := marketd(t, env, "status")
			want := fmt.Sprintf("marketd: database %s has no marketd schema yet: run `marketd migrate` first (database.auto_migrate is false)\n", tt.name(url))
			if r.code != cli.ExitRuntime || r.stdout != "" || r.stderr != want {
				t.Errorf("status on an empty database: exit %d, stdout %q, stderr %q; want exit 1, stderr %q", r.code, r.stdout, r.stderr, want)
			}
			st, err := tt.open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			var tables int
			if err := st.DB().QueryRowContext(ctx, tt.tables).Scan(&tables); err != nil {
				t.Fatal(err)
			}
			if tables != 0 {
				t.Errorf("the failed status left %d tables, want none", tables)
			}

			if r = marketd(t, env, "migrate"); r.code != cli.ExitOK {
				t.Fatalf("migrate: exit %d, stderr %q", r.code, r.stderr)
			}
			if r = marketd(t, env, "status"); r.code != cli.ExitOK || r.stderr != "" {
				t.Errorf("status after migrate: exit %d, stderr %q; want exit 0, no stderr", r.code, r.stderr)
			}

			// A binary newer than the schema: the last migration not applied.
			if _, err := st.DB().ExecContext(ctx, "DELETE FROM goose_db_version WHERE version_id = ?", latest); err != nil {
				t.Fatal(err)
			}
			r = marketd(t, env, "status")
			want = fmt.Sprintf("marketd: database %s has schema version %d, this marketd needs %d: run `marketd migrate` first (database.auto_migrate is false)\n", tt.name(url), versions[len(versions)-2], latest)
			if r.code != cli.ExitRuntime || r.stdout != "" || r.stderr != want {
				t.Errorf("status on an old schema: exit %d, stdout %q, stderr %q; want exit 1, stderr %q", r.code, r.stdout, r.stderr, want)
			}
		})
	}
}
