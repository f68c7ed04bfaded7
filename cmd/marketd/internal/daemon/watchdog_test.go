package daemon

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
)

// records is a slog handler that hands each record's message and reason
// to the test.
type records chan string

func (r records) Enabled(context.Context, slog.Level) bool { return true }
func (r records) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r records) WithGroup(string) slog.Handler            { return r }
func (r records) Handle(_ context.Context, rec slog.Record) error {
	msg := rec.Message
	rec.Attrs(func(a slog.Attr) bool {
		if a.Key == "reason" {
			msg += ": " + a.Value.String()
		}
		return true
	})
	r <- msg
	return nil
}

// The watchdog notifies systemd every half interval while the scheduler
// loop ticks and the database answers, and stays silent (so systemd
// restarts marketd) while either is stuck, on a fake clock.
func TestWatchdogStopsNotifyingWhenStuck(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	clock := clockwork.NewFakeClockAt(t0)
	var tick atomic.Int64 // the scheduler loop's last tick
	tick.Store(t0.UnixNano())
	var dbErr atomic.Value
	dbErr.Store(errNone)
	notified := make(chan string, 16)
	logs := make(records, 16)
	w := newWatchdog(time.Minute, clock,
		func(state string) error { notified <- state; return nil },
		func() time.Time { return time.Unix(0, tick.Load()) },
		func(ctx context.Context) error {
			err := dbErr.Load().(error)
			if err == errHang {
				<-ctx.Done()
				return ctx.Err()
			}
			if err == errNone {
				return nil
			}
			return err
		},
		func(err error) error { return err }, slog.New(logs))
	w.pingTimeout = 10 * time.Millisecond // real time: the hung ping's bound
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); w.run(ctx) }()
	defer func() { cancel(); <-done }()

	// step moves the clock half an interval, with the loop ticking at
	// the new time when loopTicks, and returns what the watchdog did.
	step := func(loopTicks bool) string {
		t.Helper()
		bctx, bcancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer bcancel()
		if err := clock.BlockUntilContext(bctx, 1); err != nil {
			t.Fatal(err)
		}
		if loopTicks {
			tick.Store(clock.Now().Add(30 * time.Second).UnixNano())
		}
		clock.Advance(30 * time.Second)
		select {
		case s := <-notified:
			return s
		case l := <-logs:
			return l
		case <-time.After(10 * time.Second):
			t.Fatal("the watchdog did nothing for 10s after its tick")
			return ""
		}
	}
	const sick = "watchdog: not healthy, not notifying systemd (it restarts marketd at WatchdogSec)"
	for i, tt := range []struct {
		loopTicks bool
		db        error
		want      string
	}{
		{true, errNone, "WATCHDOG=1"},
		{true, errNone, "WATCHDOG=1"},
		// The loop stops ticking: half an interval is still tolerated,
		// a whole one is not.
		{false, errNone, "WATCHDOG=1"},
		{false, errNone, sick + ": the scheduler loop has not ticked for 1m0s"},
		{false, errNone, sick + ": the scheduler loop has not ticked for 1m30s"},
		{true, errNone, "WATCHDOG=1"}, // the loop resumes
		{true, errors.New("connection refused"), sick + ": the database does not answer within 10ms: connection refused"},
		{true, errHang, sick + ": the database does not answer within 10ms: context deadline exceeded"},
		{true, errNone, "WATCHDOG=1"},
	} {
		dbErr.Store(tt.db)
		if got := step(tt.loopTicks); got != tt.want {
			t.Fatalf("step %d: %q, want %q", i, got, tt.want)
		}
	}
	select {
	case s := <-notified:
		t.Fatalf("extra notification %q", s)
	case l := <-logs:
		t.Fatalf("extra log %q", l)
	default:
	}
}

var (
	errNone = errors.New("none")
	errHang = errors.New("hang")
)
