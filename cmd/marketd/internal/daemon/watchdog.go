package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jonboulle/clockwork"
)

// ServiceManager is the init system as the daemon sees it (systemd's
// sd_notify protocol): told when the daemon is ready and when it stops,
// and, while a watchdog is armed, that it is still healthy.
type ServiceManager interface {
	Notify(state string) error
	// WatchdogInterval is the unit's WatchdogSec=; zero when none is armed.
	WatchdogInterval() time.Duration
}

// sd_notify states.
const (
	stateReady    = "READY=1"
	stateStopping = "STOPPING=1"
	stateWatchdog = "WATCHDOG=1"
)

// watchdog tells systemd the daemon is healthy every half interval, and
// only then: when the scheduler loop stops ticking or the database stops
// answering, it falls silent and systemd kills and restarts the process.
// A process that is merely alive proves nothing; these two are what the
// jobs need.
type watchdog struct {
	clock    clockwork.Clock
	interval time.Duration // WatchdogSec
	// pingTimeout bounds the database ping (real time); a quarter interval.
	pingTimeout time.Duration
	notify      func(state string) error
	lastTick    func() time.Time // the scheduler loop's progress, on clock
	ping        func(ctx context.Context) error
	redact      func(error) error
	log         *slog.Logger
}

// newWatchdog returns the watchdog for a WatchdogSec of interval.
func newWatchdog(interval time.Duration, clock clockwork.Clock, notify func(string) error,
	lastTick func() time.Time, ping func(context.Context) error, redact func(error) error, log *slog.Logger) *watchdog {
	return &watchdog{clock: clock, interval: interval, pingTimeout: interval / 4, notify: notify,
		lastTick: lastTick, ping: ping, redact: redact, log: log}
}

// tickEvery is how often the scheduler loop must tick for a watchdog of
// interval: four ticks per interval, so that two missed ones are noticed
// before systemd's deadline.
func tickEvery(interval time.Duration) time.Duration { return interval / 4 }

// run notifies while healthy, every half interval, until ctx ends.
func (w *watchdog) run(ctx context.Context) {
	t := w.clock.NewTicker(w.interval / 2)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.Chan():
		}
		if reason := w.check(ctx); reason != "" {
			w.log.Error("watchdog: not healthy, not notifying systemd (it restarts marketd at WatchdogSec)",
				"reason", reason, "watchdog", w.interval)
			continue
		}
		if err := w.notify(stateWatchdog); err != nil {
			w.log.Warn("watchdog: cannot notify systemd", "err", err)
		}
	}
}

// check returns why the daemon is not healthy, "" when it is.
func (w *watchdog) check(ctx context.Context) string {
	if age := w.clock.Since(w.lastTick()); age > w.interval/2 {
		return fmt.Sprintf("the scheduler loop has not ticked for %s", age.Round(time.Millisecond))
	}
	pctx, cancel := context.WithTimeout(ctx, w.pingTimeout)
	defer cancel()
	if err := w.ping(pctx); err != nil {
		return fmt.Sprintf("the database does not answer within %s: %v", w.pingTimeout, w.redact(err))
	}
	return ""
}
