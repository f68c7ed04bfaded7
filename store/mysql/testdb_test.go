package mysql_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	driver "github.com/go-sql-driver/mysql"

	"github.com/marketd/marketd/store"
	"github.com/marketd/marketd/store/mysql"
)

const defaultTestURL = "mysql://root@127.0.0.1:3306/marketd_test"

func testURL() string {
	if u := os.Getenv("MARKETD_TEST_MYSQL"); u != "" {
		return u
	}
	return defaultTestURL
}

// serverDB connects to the test server without choosing a database. When
// the server does not answer it skips, or fails under CI=true.
func serverDB(tb testing.TB) (*sql.DB, *url.URL) {
	tb.Helper()
	u, err := url.Parse(testURL())
	if err != nil {
		tb.Fatalf("MARKETD_TEST_MYSQL: %s", mysql.Redact(testURL()))
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

// freshURL creates an empty database of its own for tb, dropped at cleanup,
// and returns its URL.
func freshURL(tb testing.TB) string {
	tb.Helper()
	db, u := serverDB(tb)
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

func openFresh(tb testing.TB, cfg mysql.Config) *store.Store {
	tb.Helper()
	ctx := context.Background()
	cfg.URL = freshURL(tb)
	s, err := mysql.Open(ctx, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	return s
}
