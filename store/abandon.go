package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"syscall"
	"time"

	"github.com/sethvargo/go-retry"
)

// HeartbeatEvery is how often a running run records a sign of life, and
// StaleAfter how long without one makes it abandoned from any host: a few
// intervals, so a database that is slow for a while abandons nothing.
const (
	HeartbeatEvery = time.Minute
	StaleAfter     = 5 * HeartbeatEvery
)

// Heartbeat records that run id is still running.
func (s *Store) Heartbeat(ctx context.Context, id int64) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE runs SET heartbeat = ? WHERE id = ? AND status = ?`,
		s.now().UTC(), id, RunRunning); err != nil {
		return fmt.Errorf("store: heartbeat of run %d: %w", id, err)
	}
	return nil
}

// KeepAlive records a heartbeat of run id every interval until stop is
// called. A failed beat is only logged by omission: the next one tries
// again, and StaleAfter allows for several misses.
func (s *Store) KeepAlive(ctx context.Context, id int64, every time.Duration) (stop func()) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				bctx, bcancel := context.WithTimeout(ctx, every)
				_ = s.Heartbeat(bctx, id)
				bcancel()
			}
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

// FinishRetryFor is how long a run's final record is retried while the
// database is unreachable, before the process gives up on it.
const FinishRetryFor = 2 * time.Minute

// RunFinisher records a run's end: a *Store, or what wraps one.
type RunFinisher interface {
	FinishRun(ctx context.Context, r *Run) error
}

// FinishRunRetrying is f.FinishRun retried with backoff for up to within
// while the database is unreachable: a run whose end is not recorded reads
// "running" until it is found abandoned minutes later. An error the
// database gave on purpose (a constraint, bad data) is returned at once:
// waiting would not change it. A finisher that cannot tell (no Transient
// method) is retried on every error.
func FinishRunRetrying(ctx context.Context, f RunFinisher, r *Run, within time.Duration) error {
	t, tells := f.(interface{ Transient(error) bool })
	b := retry.WithMaxDuration(within, retry.WithCappedDuration(10*time.Second, retry.NewExponential(500*time.Millisecond)))
	return retry.Do(ctx, b, func(ctx context.Context) error {
		err := f.FinishRun(ctx, r)
		if err != nil && tells && !t.Transient(err) {
			return err
		}
		return retry.RetryableError(err)
	})
}

// Transient reports whether err may go away by itself: the database
// unreachable or a connection lost, whatever the dialect, or what the
// dialect retries (deadlocks, lock waits).
func (s *Store) Transient(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, driver.ErrBadConn) || (s.d.Retryable != nil && s.d.Retryable(err))
}

// AbandonGone records as abandoned every run still "running" whose process
// is gone: on host, its pid no longer exists; on any host, it has not
// beaten for staleAfter (runs recorded before heartbeats count from their
// start). next words what becomes of a run's work, by its job, for the
// run's message: only the caller knows its jobs (nil: nothing said). It
// returns the runs it marked, as now recorded.
func (s *Store) AbandonGone(ctx context.Context, host string, staleAfter time.Duration, next func(job string) string) ([]Run, error) {
	rows, err := s.db.QueryContext(ctx, runSelect+` WHERE status = ?`, RunRunning)
	if err != nil {
		return nil, fmt.Errorf("store: find running runs: %w", err)
	}
	var running []Run
	for rows.Next() {
		r, err := scanRun(rows.Scan)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: find running runs: %w", err)
		}
		running = append(running, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: find running runs: %w", err)
	}
	now := s.now().UTC()
	var out []Run
	for _, r := range running {
		last := r.Heartbeat
		if last.IsZero() {
			last = r.Started
		}
		var why string
		switch {
		case r.Host == host && r.PID > 0 && !processAlive(r.PID) && !s.outlivesProcess(ctx, r.ID):
			why = fmt.Sprintf("process %d on %s is gone; no heartbeat", r.PID, r.Host)
		case now.Sub(last) > staleAfter:
			why = "no heartbeat from " + hostOrUnknown(r.Host)
		default:
			continue
		}
		r.Status, r.Finished = RunAbandoned, last
		r.Message = fmt.Sprintf("abandoned: %s since %s", why, last.Format(time.RFC3339))
		if next != nil {
			if then := next(r.Job); then != "" {
				r.Message += "; " + then
			}
		}
		res, err := s.db.ExecContext(ctx, `UPDATE runs SET status = ?, finished = ?, message = ? WHERE id = ? AND status = ?`,
			r.Status, r.Finished, r.Message, r.ID, RunRunning)
		if err != nil {
			return out, fmt.Errorf("store: abandon run %d of %s: %w", r.ID, r.Job, err)
		}
		if n, err := res.RowsAffected(); err == nil && n == 1 {
			out = append(out, r) // not finished by its process meanwhile
		}
	}
	return out, nil
}

// outlivesProcess reports whether run id may go on without its process: a
// shared run, which another host takes over once its lease runs out and
// whose heartbeat that host keeps. When that cannot be read, it says yes:
// the heartbeat rule still abandons the run if nobody keeps it.
func (s *Store) outlivesProcess(ctx context.Context, id int64) bool {
	shared, err := s.sharedRunExists(ctx, id)
	return err != nil || shared
}

func hostOrUnknown(h string) string {
	if h == "" {
		return "an unknown host"
	}
	return h
}

// processAlive reports whether a process with pid exists on this host
// (EPERM: it exists, under another user).
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
