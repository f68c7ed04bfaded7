package schedule

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/marketd/marketd/store"
)

// recordTimeout bounds writing a run's outcome, which happens on a context
// of its own: the run's context may be the thing that was cancelled.
const recordTimeout = 10 * time.Second

// execute is the gocron task of every job: gname is the gocron job name,
// job the configured job, slot the scheduled time (zero: the slot of now).
func (s *Scheduler) execute(gname, job string, slot time.Time) {
	s.mu.Lock()
	if s.stopping {
		s.mu.Unlock()
		return
	}
	s.inflight.Add(1)
	s.mu.Unlock()
	s.run(gname, job, slot)
	// Not deferred: a panicking run leaves through onPanic, which gocron
	// calls after recovering, so Stop also waits for its record.
	s.inflight.Done()
}

// run is one run of execute, counted in inflight.
func (s *Scheduler) run(gname, job string, slot time.Time) {
	c := s.job(job)
	if c == nil {
		return
	}
	l := s.jobLock(job)
	l.Lock()
	defer l.Unlock()

	now := s.clock.Now()
	if slot.IsZero() {
		slot = s.slotAt(c, now)
	}
	run := &store.Run{Job: job, Host: s.cfg.Host, PID: os.Getpid(), Started: now.UTC(), Status: store.RunRunning}
	if c.Spec.Market != "" {
		open, err := s.isSession(s.runCtx, c, slot)
		if err != nil {
			s.record(run, err)
			return
		}
		if !open {
			run.Status = store.RunClosed
			run.Message = fmt.Sprintf("%s closed on %s", c.Spec.Market, slot.In(c.loc).Format(time.DateOnly))
			s.record(run, nil)
			return
		}
	}
	resumed := s.abandonGone(s.runCtx, job)
	if err := s.cfg.Store.StartRun(s.runCtx, run); err != nil {
		s.log.Error("cannot record run start; not running", "job", job, "err", err)
		return
	}
	defer s.cfg.Store.KeepAlive(s.runCtx, run.ID, store.HeartbeatEvery)() // stops on return and on panic

	ctx := s.runCtx
	if c.Spec.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.Spec.Timeout)
		defer cancel()
	}
	returned := false
	defer func() {
		if !returned {
			// A panic is unwinding: leave the run to onPanic, which
			// gocron calls with the recovered value.
			s.mu.Lock()
			s.panicked[gname] = run
			s.mu.Unlock()
		}
	}()
	err := c.Run(ctx, c.Spec, run)
	returned = true
	if errors.Is(err, store.ErrLeaseLost) {
		// A shared run this host lost or, stopping, handed over: the host
		// that took it over keeps its record, and writes its end once.
		s.log.Warn("run left to another host, which records its end", "job", job, "run", run.ID, "err", err)
		return
	}
	if resumed != 0 {
		took := "resumed from the watermarks" // a validation has none: it starts over
		if job == JobValidate {
			took = "ran again"
		}
		run.Message = strings.TrimPrefix(run.Message+"; ", "; ") + fmt.Sprintf("%s after abandoned run %d", took, resumed)
	}
	if err == nil && ctx.Err() != nil && s.runCtx.Err() != nil {
		err = ctx.Err()
	}
	s.finish(run, err)
}

// finish sets the outcome of a started run from err and records it.
func (s *Scheduler) finish(run *store.Run, err error) {
	switch {
	case err != nil && s.runCtx.Err() != nil:
		run.Status = store.RunInterrupted
	case err != nil:
		run.Status = store.RunFailed
	case run.Status == store.RunRunning:
		run.Status = store.RunOK
	}
	if err != nil && run.Message == "" {
		run.Message = err.Error()
	}
	run.Finished = s.clock.Now().UTC()
	// Retried while the database is down: a run left "running" is only
	// found abandoned minutes later.
	if ferr := store.FinishRunRetrying(context.WithoutCancel(s.runCtx), s.cfg.Store, run, store.FinishRetryFor); ferr != nil {
		s.log.Error("cannot record run outcome", "job", run.Job, "status", run.Status, "err", ferr)
	}
	s.logRun(run)
	if s.cfg.OnRunFinished != nil {
		s.cfg.OnRunFinished(*run)
	}
}

// record writes a run that never started its runner (a closed day, a
// calendar error) in one go.
func (s *Scheduler) record(run *store.Run, err error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(s.runCtx), recordTimeout)
	defer cancel()
	if serr := s.cfg.Store.StartRun(ctx, run); serr != nil {
		s.log.Error("cannot record run start", "job", run.Job, "err", serr)
		return
	}
	s.finish(run, err)
}

// abandonGone records the runs whose process died as abandoned (they
// would show as running forever) and returns the id of job's last run when
// it was abandoned, by now or earlier (status): the run about to start
// resumes from the watermarks that run committed.
func (s *Scheduler) abandonGone(ctx context.Context, job string) int64 {
	gone, err := s.cfg.Store.AbandonGone(ctx, s.cfg.Host, store.StaleAfter, AfterAbandon)
	if err != nil {
		s.log.Warn("cannot look for abandoned runs", "err", err)
	}
	for _, r := range gone {
		s.log.Warn("run abandoned: its process is gone", "run", r.ID, "run_job", r.Job, "host", r.Host, "pid", r.PID, "started", r.Started)
	}
	last, err := s.cfg.Store.Runs(ctx, job, 1)
	if err != nil || len(last) == 0 || last[0].Status != store.RunAbandoned {
		return 0
	}
	s.log.Warn("the last run was abandoned; this run resumes from its watermarks", "job", job, "abandoned_run", last[0].ID)
	return last[0].ID
}

func (s *Scheduler) logRun(run *store.Run) {
	attrs := []any{
		"job", run.Job, "status", run.Status, "duration", run.Finished.Sub(run.Started),
		"ok", run.OK, "failed", run.Failed, "skipped", run.Skipped,
		"inserted", run.Inserted, "changed", run.Changed, "unchanged", run.Unchanged,
		"requests", run.Requests, "throttled", run.Throttled, "retries", run.Retries,
	}
	if run.Message != "" {
		attrs = append(attrs, "message", run.Message)
	}
	switch run.Status {
	case store.RunFailed:
		s.log.Error("run finished", attrs...)
		return
	case store.RunInterrupted, store.RunProblems:
		// Interrupted: a stop cut it short, and the next run resumes it.
		s.log.Warn("run finished", attrs...)
		return
	}
	s.log.Info("run finished", attrs...)
}

// onPanic is the global AfterJobRunsWithPanic listener: gocron has
// recovered the panic; log it with the stack (still that of the panicking
// goroutine here) and record the run failed. The scheduler keeps running.
func (s *Scheduler) onPanic(_ uuid.UUID, gname string, recovered any) {
	defer s.inflight.Done() // the panicking execute skipped it
	s.log.Error("job panicked", "job", gname, "panic", fmt.Sprint(recovered), "stack", string(debug.Stack()))
	s.mu.Lock()
	run := s.panicked[gname]
	delete(s.panicked, gname)
	s.mu.Unlock()
	if run == nil {
		return
	}
	run.Status = store.RunFailed
	run.Message = fmt.Sprintf("panic: %v", recovered)
	s.finish(run, nil)
}

// onLockError logs skipped runs. Losing a slot or not leading is what every
// host but one sees, so it is not an error.
func (s *Scheduler) onLockError(_ uuid.UUID, gname string, err error) {
	if errors.Is(err, errSlotTaken) || errors.Is(err, errNotLeader) || errors.Is(err, errStopping) {
		s.log.Debug("run skipped", "job", gname, "reason", err)
		return
	}
	s.log.Error("run skipped: cannot claim its slot", "job", gname, "err", err)
}
