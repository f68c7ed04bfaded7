package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"
)

// leaderTestDB returns two pools (two "hosts") on a fresh database of the
// test server, skipping when it is unreachable unless CI=true.
func leaderTestDB(t *testing.T) (*sql.DB, *sql.DB) {
	t.Helper()
	raw := os.Getenv("MARKETD_TEST_MYSQL")
	if raw == "" {
		raw = "mysql://root@127.0.0.1:3306/marketd_test"
	}
	cfg, err := DriverConfig(raw)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DBName = ""
	admin, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("MySQL at %s unreachable: %v", Redact(raw), err)
		}
		t.Skipf("MySQL at %s unreachable: %v", Redact(raw), err)
	}
	name := fmt.Sprintf("marketd_leader_%d", time.Now().UnixNano())
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Exec("DROP DATABASE " + name) })
	open := func() *sql.DB {
		c := cfg.Clone()
		c.DBName = name
		db, err := sql.Open("mysql", c.FormatDSN())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	return open(), open()
}

func TestLeaderTakeover(t *testing.T) {
	dbA, dbB := leaderTestDB(t)
	ctx := context.Background()
	a := NewLeader(dbA, "marketd", time.Second, nil)
	b := NewLeader(dbB, "marketd", time.Second, nil)
	defer a.Release()
	defer b.Release()

	if err := a.IsLeader(ctx); err != nil {
		t.Fatalf("a.IsLeader = %v, want leader", err)
	}
	if err := a.IsLeader(ctx); err != nil {
		t.Fatalf("a.IsLeader again = %v, want still leader", err)
	}
	if err := b.IsLeader(ctx); !errors.Is(err, ErrNotLeader) {
		t.Fatalf("b.IsLeader = %v, want ErrNotLeader", err)
	}

	// The leader's connection dies: the server frees its lock.
	var id int64
	if err := a.conn.QueryRowContext(ctx, `SELECT CONNECTION_ID()`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	holder, held, err := b.Holder(ctx)
	if err != nil || !held || holder != id {
		t.Fatalf("b.Holder = %d, %v, %v; want a's connection %d", holder, held, err, id)
	}
	if _, err := dbB.Exec(fmt.Sprintf("KILL %d", id)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := b.IsLeader(ctx)
		if err == nil {
			break
		}
		if !errors.Is(err, ErrNotLeader) || time.Now().After(deadline) {
			t.Fatalf("b.IsLeader after the leader's connection died = %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := a.IsLeader(ctx); !errors.Is(err, ErrNotLeader) {
		t.Fatalf("a.IsLeader after losing its connection = %v, want ErrNotLeader", err)
	}

	// A clean release hands over at once.
	b.Release()
	if _, held, err := a.Holder(ctx); err != nil || held {
		t.Fatalf("a.Holder after release = held %v, %v; want free", held, err)
	}
	if err := a.IsLeader(ctx); err != nil {
		t.Fatalf("a.IsLeader after b released = %v, want leader", err)
	}
}

// A leader cut off without a clean close (its host lost) loses the lock
// when its session's short wait_timeout expires.
func TestLeaderSessionTimesOut(t *testing.T) {
	dbA, dbB := leaderTestDB(t)
	ctx := context.Background()
	a := NewLeader(dbA, "marketd", 500*time.Millisecond, nil) // wait_timeout 2s
	b := NewLeader(dbB, "marketd", 500*time.Millisecond, nil)
	defer a.Release()
	defer b.Release()
	if err := a.IsLeader(ctx); err != nil {
		t.Fatal(err)
	}
	var timeout int
	if err := a.conn.QueryRowContext(ctx, `SELECT @@SESSION.wait_timeout`).Scan(&timeout); err != nil {
		t.Fatal(err)
	}
	if timeout != 2 {
		t.Fatalf("leader session wait_timeout = %d, want 2", timeout)
	}
	// a stops checking (its process hangs); b keeps trying.
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := b.IsLeader(ctx)
		if err == nil {
			break
		}
		if !errors.Is(err, ErrNotLeader) || time.Now().After(deadline) {
			t.Fatalf("b.IsLeader = %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
