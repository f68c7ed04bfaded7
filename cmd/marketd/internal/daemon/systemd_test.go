package daemon_test

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/marketd/marketd/cmd/marketd/internal/daemon"
)

// fakeSystemd records the states it is sent.
type fakeSystemd struct {
	interval time.Duration
	mu       sync.Mutex
	states   []string
}

func (f *fakeSystemd) Notify(state string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.states = append(f.states, state)
	return nil
}

func (f *fakeSystemd) WatchdogInterval() time.Duration { return f.interval }

func (f *fakeSystemd) sent() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.states)
}

// The daemon tells systemd it is ready once it runs, keeps its watchdog
// fed from the real scheduler loop's ticks and the database, and says it
// is stopping before it stops. Without a watchdog it only says ready and
// stopping.
func TestSystemdNotify(t *testing.T) {
	const yaml = `schedule:
  shutdown_timeout: 2s
  jobs:
    - {name: collect-all, cron: "0 30 17 * * *", tz: UTC, source: yahoo}
http:
  listen: ""
`
	// A 400ms watchdog: ticks every 100ms, notifies every 200ms.
	sd := &fakeSystemd{interval: 400 * time.Millisecond}
	_, _, stop := runDaemon(t, yaml, nil, 0, func(d *daemon.Deps) { d.Service = sd })
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if s := sd.sent(); len(s) >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("sent %q in 10s, want READY=1 then WATCHDOG=1 twice", sd.sent())
		}
	}
	stop()
	s := sd.sent()
	if s[0] != "READY=1" || s[len(s)-1] != "STOPPING=1" {
		t.Errorf("sent %q, want READY=1 first and STOPPING=1 last", s)
	}
	for _, st := range s[1 : len(s)-1] {
		if st != "WATCHDOG=1" {
			t.Errorf("sent %q between ready and stopping, want only WATCHDOG=1", s)
			break
		}
	}

	quiet := &fakeSystemd{}
	_, _, stop = runDaemon(t, yaml, nil, 0, func(d *daemon.Deps) { d.Service = quiet })
	stop()
	if got := quiet.sent(); !slices.Equal(got, []string{"READY=1", "STOPPING=1"}) {
		t.Errorf("without a watchdog: sent %q, want READY=1, STOPPING=1", got)
	}
}
