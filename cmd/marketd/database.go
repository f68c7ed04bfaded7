package main

import (
	"context"
	"errors"

	"github.com/marketd/marketd/cmd/marketd/internal/cli"
	"github.com/marketd/marketd/cmd/marketd/internal/config"
	"github.com/marketd/marketd/store"
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
	st, err := a.cfg.Open(ctx, migrate)
	if bad := (*config.DatabaseError)(nil); errors.As(err, &bad) {
		return nil, cli.Usage(err)
	}
	if err != nil {
		return nil, err
	}
	a.store = st
	a.log.Debug("database opened", "database", a.cfg.Database.Name())
	return st, nil
}
