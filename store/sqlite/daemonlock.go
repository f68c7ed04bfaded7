package sqlite

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// ErrLocked is a database file another process holds with LockDaemon.
var ErrLocked = errors.New("sqlite: database in use by another daemon")

// LockDaemon takes an advisory lock on path+".daemon.lock" for the life of
// the process, or until unlock. Slot claims keep two daemons sharing a
// MySQL database from running a slot twice, but on one SQLite file a
// second daemon only adds lock contention and a second writer: the daemon
// refuses to start instead. The lock (flock) dies with its process, so a
// kill -9 leaves nothing to clean up.
func LockDaemon(path string) (unlock func() error, err error) {
	name := path + ".daemon.lock"
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("sqlite: daemon lock %s: %w", name, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		b := make([]byte, 32)
		n, _ := f.ReadAt(b, 0)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			holder := "another process"
			if pid, perr := strconv.Atoi(strings.TrimSpace(string(b[:n]))); perr == nil {
				holder = "process " + strconv.Itoa(pid)
			}
			return nil, fmt.Errorf("%w: %s already runs the daemon on %s (lock %s); an SQLite database takes one daemon: stop it first, or use MySQL to run several",
				ErrLocked, holder, path, name)
		}
		return nil, fmt.Errorf("sqlite: daemon lock %s: %w", name, err)
	}
	// The holder's pid, for the message a second daemon prints.
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return func() error {
		defer f.Close()
		return syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	}, nil
}
