package mysql

import (
	"context"
	"crypto/sha1"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// ErrNotLeader is returned by Leader.IsLeader when another session holds
// the leader lock.
var ErrNotLeader = errors.New("mysql: another host is the leader")

// Leader is a leader lock shared by every daemon on one database: a
// GET_LOCK held by one session, pinned with db.Conn because a named lock
// belongs to the connection that took it. It satisfies gocron's Elector.
//
// The lock lives exactly as long as its session: if the leader's process
// or connection dies the server frees it, and another host's next IsLeader
// (Run calls it every interval) takes over. The pinned session's
// wait_timeout is set to a few intervals so that a leader cut off without
// a clean close (a lost host) loses the lock within that time too; Run's
// checks are what keep a healthy leader's session from timing out.
type Leader struct {
	db       *sql.DB
	name     string
	interval time.Duration
	log      *slog.Logger

	mu   sync.Mutex
	key  string    // lock name on the server, derived from name and the database
	conn *sql.Conn // the pinned session holding the lock; nil when not leading
}

// NewLeader returns a Leader for the lock called name on db's database.
// interval is how often Run checks the lock (default 5s); a dead leader is
// replaced within a few intervals.
func NewLeader(db *sql.DB, name string, interval time.Duration, log *slog.Logger) *Leader {
	if interval <= 0 {
		interval = 5 * time.Second
	}
	if log == nil {
		log = slog.Default()
	}
	return &Leader{db: db, name: name, interval: interval, log: log}
}

// IsLeader returns nil when this process holds the lock, taking it when
// it is free, ErrNotLeader when another session holds it, and another
// error when the database cannot be asked.
func (l *Leader) IsLeader(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn != nil {
		held, err := l.holds(ctx)
		if err == nil && held {
			return nil
		}
		l.log.Warn("leader lock lost", "lock", l.key, "err", err)
		l.drop()
	}
	return l.acquire(ctx)
}

// holds asks the pinned session whether it still owns the lock; it is
// also the ping that keeps the session alive.
func (l *Leader) holds(ctx context.Context) (bool, error) {
	var held sql.NullBool
	err := l.conn.QueryRowContext(ctx, `SELECT IS_USED_LOCK(?) = CONNECTION_ID()`, l.key).Scan(&held)
	if err != nil {
		return false, fmt.Errorf("mysql: leader lock check: %w", err)
	}
	return held.Valid && held.Bool, nil
}

func (l *Leader) acquire(ctx context.Context) error {
	conn, err := l.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("mysql: leader lock: %w", err)
	}
	if err := l.setKey(ctx, conn); err != nil {
		conn.Close()
		return err
	}
	var got sql.NullInt64
	if err := conn.QueryRowContext(ctx, `SELECT GET_LOCK(?, 0)`, l.key).Scan(&got); err != nil {
		conn.Close()
		return fmt.Errorf("mysql: leader lock: %w", err)
	}
	if !got.Valid || got.Int64 != 1 {
		conn.Close()
		return ErrNotLeader
	}
	l.conn = conn
	timeout := int((3*l.interval + time.Second - 1) / time.Second)
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`SET SESSION wait_timeout = %d`, max(timeout, 2))); err != nil {
		l.drop()
		return fmt.Errorf("mysql: leader lock: %w", err)
	}
	l.log.Info("leader lock taken", "lock", l.key)
	return nil
}

// setKey derives the lock's server-wide name once. Named locks are
// server-wide; tying the name to the database lets two deployments on one
// server elect separately. MySQL caps lock names at 64 characters, hence
// the hash.
func (l *Leader) setKey(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) error {
	if l.key != "" {
		return nil
	}
	var db sql.NullString
	if err := q.QueryRowContext(ctx, `SELECT DATABASE()`).Scan(&db); err != nil {
		return fmt.Errorf("mysql: leader lock: %w", err)
	}
	sum := sha1.Sum([]byte(l.name + "\x00" + db.String))
	l.key = "marketd-leader-" + hex.EncodeToString(sum[:])
	return nil
}

// Holder returns the server connection id of the session holding the
// lock, and false when nobody holds it (for status output and tests).
func (l *Leader) Holder(ctx context.Context) (int64, bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.setKey(ctx, l.db); err != nil {
		return 0, false, err
	}
	var id sql.NullInt64
	if err := l.db.QueryRowContext(ctx, `SELECT IS_USED_LOCK(?)`, l.key).Scan(&id); err != nil {
		return 0, false, fmt.Errorf("mysql: leader lock holder: %w", err)
	}
	return id.Int64, id.Valid, nil
}

// drop forgets the pinned session. A live one gives the lock and its short
// wait_timeout back before returning to the pool; closing a dead one
// discards it.
func (l *Leader) drop() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, _ = l.conn.ExecContext(ctx, `DO RELEASE_LOCK(?)`, l.key)
	_, _ = l.conn.ExecContext(ctx, `SET SESSION wait_timeout = @@GLOBAL.wait_timeout`)
	_ = l.conn.Close()
	l.conn = nil
}

// Run checks (and so pings) the lock every interval until ctx is done,
// taking it whenever it is free, then releases it.
func (l *Leader) Run(ctx context.Context) {
	t := time.NewTicker(l.interval)
	defer t.Stop()
	for {
		if err := l.IsLeader(ctx); err != nil && !errors.Is(err, ErrNotLeader) && ctx.Err() == nil {
			l.log.Warn("leader lock check failed", "err", err)
		}
		select {
		case <-ctx.Done():
			l.Release()
			return
		case <-t.C:
		}
	}
}

// Release gives the lock up, if held.
func (l *Leader) Release() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn != nil {
		l.drop()
	}
}
