package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	driver "github.com/go-sql-driver/mysql"

	"github.com/marketd/marketd/store"
	"github.com/marketd/marketd/store/mysql"
	"github.com/marketd/marketd/store/sqlite"
)

// DefaultMySQLURL is the test server used when MARKETD_TEST_MYSQL is unset.
const DefaultMySQLURL = "mysql://root@127.0.0.1:3306/marketd_test"

// MySQLURL returns the test server's URL.
func MySQLURL() string {
	if u := os.Getenv("MARKETD_TEST_MYSQL"); u != "" {
		return u
	}
	return DefaultMySQLURL
}

// ServerDB connects to the test server without choosing a database. When
// the server does not answer it skips the test, or fails it under CI=true:
// CI must never pass by skipping the MySQL tests.
func ServerDB(tb testing.TB) (*sql.DB, *url.URL) {
	tb.Helper()
	u, err := url.Parse(MySQLURL())
	if err != nil {
		tb.Fatalf("MARKETD_TEST_MYSQL is not a URL: %s", mysql.Redact(MySQLURL()))
	}
	cfg, err := mysql.DriverConfig(u.String())
	if err != nil {
		tb.Fatal(err)
	}
	cfg.DBName = ""
	cfg.AllowAllFiles = false
	conn, err := driver.NewConnector(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	db := sql.OpenDB(conn)
	if err := db.PingContext(context.Background()); err != nil {
		db.Close()
		if os.Getenv("CI") == "true" {
			tb.Fatalf("MySQL at %s unreachable (CI=true): %v", mysql.Redact(u.String()), err)
		}
		tb.Skipf("MySQL at %s unreachable: %v", mysql.Redact(u.String()), err)
	}
	return db, u
}

// FreshMySQLURL creates an empty database of tb's own on the test server,
// dropped at cleanup, and returns its URL.
func FreshMySQLURL(tb testing.TB) string {
	tb.Helper()
	db, u := ServerDB(tb)
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "marketd_test_" + hex.EncodeToString(b[:])
	if _, err := db.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4"); err != nil {
		db.Close()
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		_, _ = db.Exec("DROP DATABASE IF EXISTS " + name)
		db.Close()
	})
	u.Path = "/" + name
	return u.String()
}

// OpenMySQL returns a migrated Store on a fresh database of tb's own.
func OpenMySQL(tb testing.TB) *store.Store {
	tb.Helper()
	ctx := context.Background()
	s, err := mysql.Open(ctx, mysql.Config{URL: FreshMySQLURL(tb)})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	return s
}

// OpenSQLite returns a migrated Store on a new file in tb's temp dir.
func OpenSQLite(tb testing.TB) *store.Store {
	tb.Helper()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(tb.TempDir(), "marketd.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	return s
}

// Dialects runs fn as a subtest against each dialect: SQLite and MySQL.
func Dialects(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, OpenSQLite(t)) })
	t.Run("mysql", func(t *testing.T) { fn(t, OpenMySQL(t)) })
}
