package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/database"
)

// SchemaVersion reports the newest migration the database has applied
// (have; 0 for a database marketd has never migrated) and the newest one
// this binary embeds (want). It creates nothing, unlike goose's own
// version calls, so a user that may not alter tables can run it, and it
// costs one query when the schema exists.
func (s *Store) SchemaVersion(ctx context.Context) (have, want int64, err error) {
	p, err := goose.NewProvider(s.d.Goose, s.db, s.d.Migrations, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return 0, 0, fmt.Errorf("store: migrations (%s): %w", s.d.Name, err)
	}
	sources := p.ListSources()
	if len(sources) == 0 {
		return 0, 0, fmt.Errorf("store: no migrations embedded for %s", s.d.Name)
	}
	want = sources[len(sources)-1].Version

	versions, err := database.NewStore(s.d.Goose, goose.DefaultTablename)
	if err != nil {
		return 0, want, fmt.Errorf("store: schema version (%s): %w", s.d.Name, err)
	}
	have, err = versions.GetLatestVersion(ctx, s.db)
	switch {
	case err == nil:
		return have, want, nil
	case errors.Is(err, database.ErrVersionNotFound):
		return 0, want, nil // the version table exists but is empty
	}
	// The query failed: a missing version table means a new database;
	// anything else is a real error, reported as it is.
	if exists, xerr := s.versionTableExists(ctx, versions); xerr == nil && !exists {
		return 0, want, nil
	}
	return 0, want, fmt.Errorf("store: schema version (%s): %w", s.d.Name, err)
}

// versionTableExists asks the catalog whether goose's version table is
// there. goose knows the query for MySQL; its SQLite dialect has none.
func (s *Store) versionTableExists(ctx context.Context, versions database.Store) (bool, error) {
	if s.d.Goose == goose.DialectSQLite3 {
		var n int
		err := s.db.QueryRowContext(ctx,
			"SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?", goose.DefaultTablename).Scan(&n)
		return n > 0, err
	}
	x, ok := versions.(database.StoreExtender)
	if !ok {
		return false, errors.ErrUnsupported
	}
	return x.TableExists(ctx, s.db)
}

// Migrate applies the dialect's pending migrations.
func (s *Store) Migrate(ctx context.Context) error {
	p, err := goose.NewProvider(s.d.Goose, s.db, s.d.Migrations, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return fmt.Errorf("store: migrations (%s): %w", s.d.Name, err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("store: migrate (%s): %w", s.d.Name, err)
	}
	return nil
}

// Upgrade applies the pending migrations and returns the schema version
// before and after them, for marketd migrate to say what it did.
func (s *Store) Upgrade(ctx context.Context) (before, after int64, err error) {
	if before, _, err = s.SchemaVersion(ctx); err != nil {
		return 0, 0, err
	}
	if err := s.Migrate(ctx); err != nil {
		return before, 0, err
	}
	after, _, err = s.SchemaVersion(ctx)
	return before, after, err
}

// Prepare readies the schema for this binary: with migrate it applies the
// pending migrations, else it only checks that they have been applied (a
// *SchemaBehindError when not), for a user that may not alter tables.
func (s *Store) Prepare(ctx context.Context, migrate bool) error {
	if migrate {
		return s.Migrate(ctx)
	}
	return s.CheckSchema(ctx)
}

// SchemaBehindError is a database that has not had this binary's
// migrations: a query would fail on a missing table or column.
type SchemaBehindError struct{ Have, Want int64 }

func (e *SchemaBehindError) Error() string {
	if e.Have == 0 {
		return "has no marketd schema yet"
	}
	return fmt.Sprintf("has schema version %d, this marketd needs %d", e.Have, e.Want)
}

// CheckSchema returns a *SchemaBehindError unless the database has every
// migration this binary embeds; it changes nothing (a user that may not
// alter tables runs it instead of Migrate).
func (s *Store) CheckSchema(ctx context.Context) error {
	have, want, err := s.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if have < want {
		return &SchemaBehindError{Have: have, Want: want}
	}
	return nil
}
