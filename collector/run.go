package collector

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/marketd/marketd/sources/httpx"
	"github.com/marketd/marketd/store"
)

// Job names of the collector's runs, as the run log records them.
// Scheduled jobs are named by the configuration instead.
const (
	JobCollect  = "collect"
	JobBackfill = "backfill"
	// JobRepair is a forced backfill of the ranges the validator found
	// missing.
	JobRepair = "repair"
	// JobIntraday archives, after the close, the sessions of minute bars
	// each intraday instrument is missing (ArchiveMinutes).
	JobIntraday = "intraday"
)

// Run result statuses, as store.RunResult.Status holds them.
const (
	statusOK      = "ok"
	statusFailed  = "failed"
	statusNoData  = "nodata"
	statusSkipped = "skipped"
)

// result is one item's outcome.
type result struct {
	rr          store.RunResult
	wr          store.WriteResult
	refetched   string // why the whole history was fetched again
	interrupted bool   // the context ended it; not recorded as a failure
	rateLimited bool   // the host kept answering 429: stop asking it this run
	unreachable string // the host no request reached, when that failed it
	requests    int    // planned requests, for the ETA
	storeErr    error  // the store refused a write (or a read the write needed)
}

// Summary is a finished run, for the CLI's summary line and exit code.
type Summary struct {
	store.Run
	NoData    int // instruments the source had nothing for (counted in OK)
	Refetched int // instruments whose whole history was fetched again
	// Unreachable lists the hosts no request reached (name not found,
	// nothing answering), and unreachable counts the failures they caused.
	Unreachable []string
	unreachable int
	// Units is this host's part in a run shared as work units, and
	// SharedBy, for such a run, its units and the hosts that did them.
	Units    WorkTally
	SharedBy string
	// UpToDate counts the instruments skipped because their watermark
	// already reached their market's last closed session (in Skipped).
	// They get no per-instrument result: an hourly job over thousands of
	// instruments would otherwise log every one of them every hour.
	UpToDate int
}

// Offline reports whether the run failed only because no source host
// could be reached: a machine without network access or DNS.
func (s Summary) Offline() bool {
	return s.Failed > 0 && s.OK == 0 && s.unreachable == s.Failed
}

// ExitCode is 0 when every instrument succeeded and 1 when any failed.
func (s Summary) ExitCode() int {
	if s.Failed > 0 {
		return 1
	}
	return 0
}

// Report writes the run's summary line to w (none for a run that recorded
// nothing) and returns what the command that ran it fails with: an offline
// run's one line, err (the run's own), or Err.
func (s Summary) Report(w io.Writer, err error) error {
	if s.Offline() {
		return errors.New(s.String()) // the one line says it all
	}
	if s.ID != 0 {
		fmt.Fprintln(w, s.String())
	}
	if err != nil {
		return err
	}
	return s.Err()
}

// Err is the run's outcome as a command's error: nil unless the run
// failed or some of its instruments did, which status --run lists.
func (s Summary) Err() error {
	if s.Status != store.RunFailed && s.Failed == 0 {
		return nil
	}
	return fmt.Errorf("%s run %d: %d of %s failed; marketd status --run %d lists them", s.Job, s.ID, s.Failed, plural(len(s.Results), "instrument"), s.ID)
}

// String is the one-line summary: counts, and what failed and why; for an
// offline run, that alone, once.
func (s Summary) String() string {
	if s.Offline() {
		n := fmt.Sprintf("%d instruments", s.Failed)
		if s.Failed == 1 {
			n = "1 instrument"
		}
		return fmt.Sprintf("%s %s: cannot reach %s (host not found or not answering: no network access?); %s not collected. "+
			"To try marketd offline, see \"Trying it offline: the simulated market\" in the README",
			s.Job, s.Status, strings.Join(s.Unreachable, ", "), n)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %d ok, %d failed, %d skipped", s.Job, s.Status, s.OK, s.Failed, s.Skipped)
	var notes []string
	if why := s.skipReason(); why != "" {
		notes = append(notes, why)
	}
	if s.NoData > 0 {
		notes = append(notes, fmt.Sprintf("%d without data", s.NoData))
	}
	if n := notedOK(s.Results); n > 0 { // sessions the user asked for and did not get
		notes = append(notes, fmt.Sprintf("%d with sessions past the source's reach, not fetched: marketd status --run %d names them", n, s.ID))
	}
	if len(notes) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(notes, "; "))
	}
	fmt.Fprintf(&b, "; rows %d inserted, %d changed, %d unchanged; %d requests, %d throttled, %d retries",
		s.Inserted, s.Changed, s.Unchanged, s.Requests, s.Throttled, s.Retries)
	if s.Refetched > 0 {
		fmt.Fprintf(&b, "; %d histories refetched", s.Refetched)
	}
	if !s.Finished.IsZero() {
		fmt.Fprintf(&b, "; %s", s.Finished.Sub(s.Started).Round(time.Millisecond))
	}
	if s.SharedBy != "" {
		b.WriteString("; " + s.SharedBy)
	}
	if f := FailedInstruments(s.Results); f != "" {
		b.WriteString("; " + f)
	}
	return b.String()
}

// failedShown is how many failed instruments a run's message names before
// "and N more": the message is one line.
const failedShown = 3

// FailedInstruments names the instruments that failed among results, with
// their errors: "failed: yahoo:AAPL: 404; …; and N more", or "" when none
// failed. A run's one-line summary ends with it, so that a partial run
// says what to look at.
func FailedInstruments(results []store.RunResult) string {
	var failed []string
	for _, r := range results {
		if r.Status == statusFailed {
			failed = append(failed, r.Key.String()+": "+r.Error)
		}
	}
	if len(failed) == 0 {
		return ""
	}
	if len(failed) > failedShown {
		failed = append(failed[:failedShown], fmt.Sprintf("and %d more", len(failed)-failedShown))
	}
	return "failed: " + strings.Join(failed, "; ")
}

// notedOK counts the results that are ok but carry a note: a minute
// backfill's sessions older than the source serves.
func notedOK(results []store.RunResult) int {
	n := 0
	for _, r := range results {
		if r.Status == statusOK && r.Error != "" {
			n++
		}
	}
	return n
}

// skipReason is why the run skipped instruments, when all were skipped
// for the same reason ("up to date"): "4 skipped" alone reads as a fault.
func (s Summary) skipReason() string {
	why := ""
	if s.UpToDate > 0 {
		why = skipUpToDate
	}
	for _, r := range s.Results {
		if r.Status != statusSkipped {
			continue
		}
		if why != "" && r.Error != why {
			return ""
		}
		why = r.Error
	}
	return why
}

// runLog accumulates a run's outcome as items finish. Results are small
// (no bars), so holding them all is fine.
type runLog struct {
	c        *Collector
	run      *store.Run
	owned    bool // this package starts and finishes the run record
	stopBeat func()
	resumed  int64 // the abandoned run of the job this one takes over from, if any
	progress Progress
	stats0   map[string]httpx.Stats
	resumeBy string // the command that resumes the run; "" when unknown
	// units, for a run shared as work units, are its units at the end:
	// the run's counts are their sums. tally is this host's part.
	units []store.Unit
	tally WorkTally
	// owner, for a shared run, is the claimant that writes its record
	// (FinishSharedRun); takenFrom names the host whose run this host
	// took over, if it did.
	owner, takenFrom string
	// storeLost, when set, hears of every write the store refused.
	storeLost func(error)

	mu        sync.Mutex
	sum       Summary
	total     int
	done      int
	remaining map[string]int // planned requests not yet done, per source
}

// begin starts a run record for job, or fills run when the caller (the
// scheduler) keeps the record itself.
func (c *Collector) begin(ctx context.Context, job string, run *store.Run, p Progress, resume string) (*runLog, error) {
	l := &runLog{c: c, run: run, progress: p, resumeBy: resume, remaining: map[string]int{}}
	if c.deps.Stats != nil {
		l.stats0 = c.deps.Stats()
	}
	if l.run == nil {
		l.owned = true
		l.resumed = c.abandonGone(ctx, job)
		l.run = &store.Run{Job: job, Host: c.cfg.Host, PID: os.Getpid(), Started: c.deps.Now(), Status: store.RunRunning}
		if err := c.deps.Store.StartRun(ctx, l.run); err != nil {
			return nil, fmt.Errorf("collector: record start of %s run: %w", job, err)
		}
		l.stopBeat = c.deps.Store.KeepAlive(ctx, l.run.ID, store.HeartbeatEvery)
	}
	return l, nil
}

// abandonGone records the runs whose process died as abandoned (they
// would show as running forever) and returns the id of job's last run when
// it was abandoned, by now or earlier (status): this run's plan starts from
// the watermarks that run committed.
func (c *Collector) abandonGone(ctx context.Context, job string) int64 {
	gone, err := c.deps.Store.AbandonGone(ctx, c.cfg.Host, store.StaleAfter, c.deps.AfterAbandon)
	if err != nil {
		c.deps.Log.Warn("cannot look for abandoned runs", "err", err)
	}
	for _, r := range gone {
		c.deps.Log.Warn("run abandoned: its process is gone", "run", r.ID, "job", r.Job, "host", r.Host, "pid", r.PID, "started", r.Started)
	}
	last, err := c.deps.Store.Runs(ctx, job, 1)
	if err != nil || len(last) == 0 || last[0].Status != store.RunAbandoned {
		return 0
	}
	c.deps.Log.Warn("the last run was abandoned; this run resumes from its watermarks", "job", job, "abandoned_run", last[0].ID)
	return last[0].ID
}

// plan tells the log (and the progress display) what the run will do.
func (l *runLog) plan(items []item) {
	l.mu.Lock()
	l.total = len(items)
	for _, it := range items {
		l.remaining[it.inst.Source] += it.requests()
	}
	st := l.statusLocked()
	l.mu.Unlock()
	if l.progress != nil {
		l.progress.Start(st)
	}
}

func (l *runLog) add(r result) {
	l.mu.Lock()
	s := &l.sum
	if !r.interrupted {
		l.done++
		if r.rr.Status == statusSkipped && r.rr.Error == skipUpToDate {
			s.Skipped++
			s.UpToDate++
		} else {
			s.Results = append(s.Results, r.rr)
		}
		switch r.rr.Status {
		case statusOK:
			s.OK++
		case statusNoData:
			s.OK++
			s.NoData++
		case statusSkipped:
			if r.rr.Error != skipUpToDate {
				s.Skipped++
			}
		default:
			s.Failed++
		}
	}
	s.Inserted += r.wr.Inserted
	s.Changed += r.wr.Changed
	s.Unchanged += r.wr.Unchanged
	if r.refetched != "" {
		s.Refetched++
	}
	if r.unreachable != "" && !r.interrupted {
		s.unreachable++
		if !slices.Contains(s.Unreachable, r.unreachable) {
			s.Unreachable = append(s.Unreachable, r.unreachable)
			slices.Sort(s.Unreachable)
		}
	}
	l.remaining[r.rr.Key.Source] -= r.requests
	st := l.statusLocked()
	l.mu.Unlock()
	if r.storeErr != nil && l.storeLost != nil {
		l.storeLost(r.storeErr)
	}
	if l.progress != nil {
		l.progress.Update(st)
	}
}

// traffic returns the transport counters since the run began.
func (l *runLog) traffic() httpx.Stats {
	var d httpx.Stats
	if l.c.deps.Stats == nil {
		return d
	}
	for name, now := range l.c.deps.Stats() {
		s := now.Sub(l.stats0[name])
		d.Requests += s.Requests
		d.Throttled += s.Throttled
		d.Retries += s.Retries
		// Hosts wait side by side: a sum could exceed the run's own
		// duration. The longest is the wall-clock time the run surely lost.
		d.Waited = max(d.Waited, s.Waited)
		d.Paused = max(d.Paused, s.Paused)
	}
	return d
}

func (l *runLog) statusLocked() Status {
	t := l.traffic()
	st := Status{Done: l.done, Total: l.total, Failed: l.sum.Failed,
		Rows: l.sum.Inserted + l.sum.Changed, Requests: t.Requests, Throttled: t.Throttled, Waited: t.Waited, Paused: t.Paused}
	// The limiter, not the workers, sets the pace: remaining requests over
	// the budget, for the slowest source.
	for src, n := range l.remaining {
		if r := float64(l.c.cfg.source(src).Rate); n > 0 && r > 0 && !math.IsInf(r, 1) {
			st.ETA = max(st.ETA, time.Duration(float64(n)/r*float64(time.Second)))
		}
	}
	return st
}

// resume says how the work an interrupted run left undone gets done. From
// the CLI the operator runs the command again; in the daemon nobody does:
// the job's next run starts from the watermarks this one committed, and a
// daemon that was stopped catches the missed slot up when it starts.
func (l *runLog) resume() string {
	if l.owned && l.resumeBy != "" {
		return resumeHint(l.resumeBy)
	}
	if l.owned {
		return "run the same command again to resume"
	}
	return "the next scheduled run (or the catch-up at start-up) resumes from the watermarks"
}

// resumeHint is how an interrupted run's record names the command that
// resumes it; a forced backfill finds its interrupted runs by it.
func resumeHint(command string) string { return "to resume, run: " + command }

// finish records the outcome. interrupted marks a run the context ended.
func (l *runLog) finish(ctx context.Context, interrupted bool) (Summary, error) {
	l.mu.Lock()
	s := l.sum
	st := l.statusLocked()
	l.mu.Unlock()
	if l.progress != nil {
		l.progress.Finish(st)
	}
	t := l.traffic()
	if l.units != nil {
		var u store.UnitCounts
		for _, unit := range l.units {
			u = u.Add(unit.UnitCounts)
		}
		s.OK, s.Failed, s.Skipped = u.OK, u.Failed, u.Skipped
		s.Inserted, s.Changed, s.Unchanged = u.Inserted, u.Changed, u.Unchanged
		t = httpx.Stats{Requests: int64(u.Requests), Throttled: int64(u.Throttled), Retries: int64(u.Retries)}
	}
	r := l.run
	r.OK, r.Failed, r.Skipped = s.OK, s.Failed, s.Skipped
	r.Inserted, r.Changed, r.Unchanged = s.Inserted, s.Changed, s.Unchanged
	r.Requests, r.Throttled, r.Retries = int(t.Requests), int(t.Throttled), int(t.Retries)
	r.Results = s.Results
	switch {
	case interrupted:
		r.Status = store.RunInterrupted
	case s.Failed > 0 && s.OK == 0:
		r.Status = store.RunFailed
	case s.Failed > 0:
		r.Status = store.RunPartial
	default:
		r.Status = store.RunOK
	}
	var msg []string
	if l.resumed != 0 {
		msg = append(msg, fmt.Sprintf("resumed from the watermarks after abandoned run %d", l.resumed))
	}
	if interrupted {
		msg = append(msg, "interrupted; "+l.resume())
	}
	if l.units != nil {
		s.SharedBy = fmt.Sprintf("%d work units, done by %s", len(l.units), unitHosts(l.units))
		msg = append(msg, s.SharedBy)
	}
	if l.takenFrom != "" {
		msg = append(msg, fmt.Sprintf("recorded by %s, which took the run over from %s", l.c.cfg.Claimant, l.takenFrom))
	}
	if s.UpToDate > 0 && s.UpToDate == l.total {
		// An hourly job mostly finds no market closed since its last run:
		// that is a success with nothing to do, and the record says so.
		msg = append(msg, fmt.Sprintf("nothing due: %d instruments already at their market's last closed session", s.UpToDate))
	}
	if s.Refetched > 0 {
		msg = append(msg, fmt.Sprintf("%d instruments had their whole history refetched (corporate action or restated history)", s.Refetched))
	}
	r.Message = strings.Join(msg, "; ")
	var err error
	if l.owned {
		l.stopBeat()
	}
	if l.owned || l.owner != "" {
		r.Finished = l.c.deps.Now()
		// Record the run even when ctx was cancelled: that is when the
		// record matters most. A shared run is recorded by its owner only,
		// once, even when the caller (the scheduler) keeps the record.
		var f store.RunFinisher = l.c.deps.Store
		if l.owner != "" {
			f = sharedFinisher{l.c.deps.Units, l.owner}
		}
		if ferr := store.FinishRunRetrying(context.WithoutCancel(ctx), f, r, store.FinishRetryFor); ferr != nil {
			err = fmt.Errorf("collector: record end of %s run %d: %w", r.Job, r.ID, ferr)
		}
	}
	s.Run = *r
	s.Units = l.tally
	return s, err
}
