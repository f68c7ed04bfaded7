package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/sethvargo/go-retry"
)

// Store is marketd's database. It is safe for concurrent use.
type Store struct {
	db  *sql.DB
	d   Dialect
	now func() time.Time
}

// New returns a Store over db speaking dialect d. The Store owns db and
// closes it in Close.
func New(db *sql.DB, d Dialect) *Store {
	return &Store{db: db, d: d, now: func() time.Time { return time.Now().UTC() }}
}

// DB returns the underlying pool, for tools (benchmarks, ad-hoc queries)
// that need what the Store does not offer.
func (s *Store) DB() *sql.DB { return s.db }

// Dialect returns the dialect the Store speaks.
func (s *Store) Dialect() Dialect { return s.d }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping (%s): %w", s.d.Name, err)
	}
	return nil
}

// Close closes the pool.
func (s *Store) Close() error { return s.db.Close() }

// inTx runs fn in a transaction, committing when it returns nil and
// rolling back otherwise. The whole transaction is run again after errors
// the dialect calls retryable (deadlocks, lock-wait timeouts).
func (s *Store) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	attempt := func(ctx context.Context) error {
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if err := fn(tx); err != nil {
			_ = tx.Rollback()
			return s.retryable(err)
		}
		return s.retryable(tx.Commit())
	}
	if s.d.Retryable == nil {
		return attempt(ctx)
	}
	b := retry.WithMaxRetries(5, retry.WithJitterPercent(20, retry.NewExponential(20*time.Millisecond)))
	return retry.Do(ctx, b, attempt)
}

func (s *Store) retryable(err error) error {
	if err != nil && s.d.Retryable != nil && s.d.Retryable(err) {
		return retry.RetryableError(err)
	}
	return err
}

// ErrInvalid marks a write rejected before reaching the database.
var ErrInvalid = errors.New("invalid input")

// ErrNotFound marks a change to an instrument the store does not hold.
var ErrNotFound = errors.New("no such instrument")
