// Package sqlite opens a store.Store on an SQLite file through
// modernc.org/sqlite (pure Go): the default store, needing no server.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"net/url"
	"strings"

	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/marketd/marketd/store"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Open opens (creating if needed) the SQLite database at path.
//
// The pool holds one connection: SQLite admits one writer at a time, and
// a single connection turns contention into queueing in database/sql
// instead of SQLITE_BUSY errors. WAL keeps readers of other processes
// (an export while the daemon runs) off the writer's back.
func Open(ctx context.Context, path string) (*store.Store, error) {
	if path == "" {
		return nil, fmt.Errorf("sqlite: empty database path")
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite %s: %w", path, err)
	}
	return store.New(db, Dialect()), nil
}

// Dialect returns the SQLite dialect.
func Dialect() store.Dialect {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	return store.Dialect{
		Name:       "sqlite",
		Goose:      goose.DialectSQLite3,
		Migrations: sub,
		UpdateFrom: func(col string) string { return "excluded." + col },
		OnConflict: func(key []string) string {
			return " ON CONFLICT (" + strings.Join(key, ", ") + ") DO UPDATE SET "
		},
		DoNothing:     func(key []string) string { return " ON CONFLICT (" + strings.Join(key, ", ") + ") DO NOTHING" },
		QuoteDecimals: true,
		// SQLITE_MAX_VARIABLE_NUMBER's default since 3.32.
		MaxParams: 32766,
	}
}
