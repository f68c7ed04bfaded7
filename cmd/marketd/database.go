package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/marketd/marketd/cmd/marketd/internal/config"
	"github.com/marketd/marketd/store"
	"github.com/marketd/marketd/store/mysql"
	"github.com/marketd/marketd/store/sqlite"
)

// openStore opens the configured database and keeps the store for run to
// close. With migrate it applies pending migrations, or, when
// database.auto_migrate is false, fails unless they have been applied.
func (a *app) openStore(ctx context.Context, migrate bool) (*store.Store, error) {
	if a.store != nil {
		// One store per process: the daemon's jobs open it again on every
		// run, and a second pool on the same database would leak.
		return a.store, nil
	}
	db := a.cfg.Database
	var (
		st  *store.Store
		err error
	)
	switch db.Scheme() {
	case config.SchemeMySQL:
		p := a.cfg.DatabasePool
		st, err = mysql.Open(ctx, mysql.Config{
			URL:             db.URL,
			MaxOpen:         p.MaxOpen,
			MaxIdle:         p.MaxIdle,
			ConnMaxLifetime: p.ConnMaxLifetime,
			ConnMaxIdleTime: p.ConnMaxIdleTime,
		})
		// Failing to reach or log in to the server is an *OpenError; any
		// other failure means the driver refused the URL: a configuration
		// error, not a runtime one.
		var oe *mysql.OpenError
		if err != nil && !errors.As(err, &oe) {
			return nil, usageError{fmt.Errorf("database: %w", err)}
		}
	case config.SchemeSQLite:
		st, err = sqlite.Open(ctx, db.SQLitePath())
	default:
		return nil, usagef("database: unknown scheme %q", db.Scheme()) // config.Load rejects it first
	}
	if err != nil {
		return nil, err
	}
	a.store = st
	a.log.Debug("database opened", "database", a.databaseName())
	if !migrate {
		return st, nil
	}
	if db.AutoMigrate {
		if err := st.Migrate(ctx); err != nil {
			return nil, err
		}
		return st, nil
	}
	if err := a.checkSchema(ctx, st); err != nil {
		return nil, err
	}
	return st, nil
}

// checkSchema stops a command whose database has not had this binary's
// migrations (database.auto_migrate is false) with what to do about it,
// before a query fails on a missing table or column.
func (a *app) checkSchema(ctx context.Context, st *store.Store) error {
	have, want, err := st.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	switch {
	case have == 0:
		return fmt.Errorf("database %s has no marketd schema yet: run `marketd migrate` first (database.auto_migrate is false)", a.databaseName())
	case have < want:
		return fmt.Errorf("database %s has schema version %d, this marketd needs %d: run `marketd migrate` first (database.auto_migrate is false)", a.databaseName(), have, want)
	}
	return nil
}

// databaseName names the database for messages, password masked.
func (a *app) databaseName() string {
	if a.cfg.Database.Scheme() == config.SchemeMySQL {
		return mysql.Redact(a.cfg.Database.URL)
	}
	return a.cfg.Database.URL
}
