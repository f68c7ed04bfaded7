package sqlite

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

func TestLockDaemonRefusesASecondDaemon(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.db")
	unlock, err := LockDaemon(path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = LockDaemon(path)
	want := "sqlite: database in use by another daemon: process " + strconv.Itoa(os.Getpid()) +
		" already runs the daemon on " + path + " (lock " + path + ".daemon.lock); an SQLite database takes one daemon: stop it first, or use MySQL to run several"
	if !errors.Is(err, ErrLocked) || err.Error() != want {
		t.Fatalf("second lock: %v\nwant %s", err, want)
	}
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
	unlock, err = LockDaemon(path)
	if err != nil {
		t.Fatalf("lock after unlock: %v", err)
	}
	unlock()
}
