package mysql_test

import (
	"context"
	"database/sql"
	"net/url"
	"testing"

	"github.com/marketd/marketd/store"
	"github.com/marketd/marketd/store/mysql"
	"github.com/marketd/marketd/store/storetest"
)

// serverDB connects to the test server without choosing a database.
func serverDB(tb testing.TB) (*sql.DB, *url.URL) { return storetest.ServerDB(tb) }

// freshURL creates an empty database of its own for tb, dropped at cleanup.
func freshURL(tb testing.TB) string { return storetest.FreshMySQLURL(tb) }

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
