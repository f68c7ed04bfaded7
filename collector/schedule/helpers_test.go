package schedule

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/marketd/marketd/sources/market/calendar"
	"github.com/marketd/marketd/store"
	"github.com/marketd/marketd/store/mysql"
	"github.com/marketd/marketd/store/sqlite"
	"github.com/marketd/marketd/store/storetest"
)

// wait bounds every wait on something the scheduler does in the
// background; it is never reached when the code works.
const wait = 10 * time.Second

func quietLog() *slog.Logger {
	if os.Getenv("SCHEDULE_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func calendars(_ context.Context, code string) (Calendar, error) {
	c, err := calendar.For(code)
	if err != nil {
		return nil, err
	}
	return c, nil
}

func openSQLite(t *testing.T, path string) *store.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}

func tempSQLite(t *testing.T) (*store.Store, string) {
	path := filepath.Join(t.TempDir(), "marketd.db")
	return openSQLite(t, path), path
}

// mysqlURL creates a fresh database on the test server and returns its
// URL; it skips when the server is unreachable, unless CI=true.
func mysqlURL(t *testing.T) string { return storetest.FreshMySQLURL(t) }

func openMySQL(t *testing.T, url string) *store.Store {
	t.Helper()
	st, err := mysql.Open(context.Background(), mysql.Config{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}

// harness runs schedulers on one fake clock and reports every run they
// record.
type harness struct {
	t      *testing.T
	clock  *clockwork.FakeClock
	runs   chan store.Run
	scheds []*Scheduler
}

func newHarness(t *testing.T, start time.Time) *harness {
	return &harness{t: t, clock: clockwork.NewFakeClockAt(start), runs: make(chan store.Run, 64)}
}

func (h *harness) scheduler(st Store, host string, jobs []Job, mod ...func(*Config)) *Scheduler {
	h.t.Helper()
	cfg := Config{
		Store:           st,
		Calendars:       calendars,
		Host:            host,
		Clock:           h.clock,
		Logger:          quietLog(),
		ShutdownTimeout: 5 * time.Second,
		OnRunFinished:   func(r store.Run) { h.runs <- r },
	}
	for _, m := range mod {
		m(&cfg)
	}
	s, err := New(cfg, jobs)
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { s.Stop() })
	h.scheds = append(h.scheds, s)
	return s
}

func (h *harness) start(s *Scheduler) {
	h.t.Helper()
	if err := s.Start(context.Background()); err != nil {
		h.t.Fatal(err)
	}
}

// advanceTo waits until n schedule timers are set (so every scheduler has
// handled the previous instant), then moves the clock to at.
func (h *harness) advanceTo(n int, at time.Time) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := h.clock.BlockUntilContext(ctx, n); err != nil {
		h.t.Fatalf("waiting for %d timers before %s: %v", n, at, err)
	}
	h.settle(ctx)
	h.clock.Advance(at.Sub(h.clock.Now()))
}

// settle waits until gocron has finished with every run: OnRunFinished is
// called from inside the run, and in singleton mode a job that fires
// while gocron still holds its previous run is skipped (rescheduled).
// gocron marks a run complete a few statements before it frees the job,
// hence the short real sleep after.
func (h *harness) settle(ctx context.Context) {
	h.t.Helper()
	for _, s := range h.scheds {
		s.mu.Lock()
		stopped := s.stopping
		s.mu.Unlock()
		if stopped {
			continue
		}
		for _, j := range s.gs.Jobs() {
			for {
				running, err := j.IsRunning()
				if err != nil || !running {
					break
				}
				if ctx.Err() != nil {
					h.t.Fatalf("job %s still running", j.Name())
				}
				time.Sleep(time.Millisecond)
			}
		}
	}
	time.Sleep(5 * time.Millisecond)
}

// next returns the next n recorded runs, ordered by job then host.
func (h *harness) next(n int) []store.Run {
	h.t.Helper()
	out := make([]store.Run, 0, n)
	timeout := time.After(wait)
	for len(out) < n {
		select {
		case r := <-h.runs:
			out = append(out, r)
		case <-timeout:
			h.t.Fatalf("got %d runs, want %d: %+v", len(out), n, out)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Job != out[j].Job {
			return out[i].Job < out[j].Job
		}
		return out[i].Host < out[j].Host
	})
	return out
}

// seedSuccess records an ok run of job started at t, so catch-up does not
// fire in tests about something else.
func seedSuccess(t *testing.T, st Store, job string, at time.Time) {
	t.Helper()
	r := &store.Run{Job: job, Host: "seed", Started: at, Status: store.RunRunning}
	if err := st.StartRun(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	r.Status, r.Finished = store.RunOK, at
	if err := st.FinishRun(context.Background(), r); err != nil {
		t.Fatal(err)
	}
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// recorder is a Runner that reports the fake time it ran at.
type firing struct {
	job string
	at  time.Time
}

func recorder(clock clockwork.Clock, ch chan<- firing) Runner {
	return func(ctx context.Context, spec JobSpec, run *store.Run) error {
		ch <- firing{spec.Name, clock.Now()}
		return nil
	}
}
