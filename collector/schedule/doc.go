// Package schedule runs marketd's jobs (collect, validate) on cron schedules
// in their markets' time zones, on one host or several sharing a database.
//
// It is built on gocron v2 and adds what a daemon needs around it:
//
//   - every job's cron expression (6 fields, seconds first) is read in the
//     job's own IANA zone, so "0 30 17 * * MON-FRI" in America/New_York stays
//     at 17:30 New York time across DST changes;
//   - a job never overlaps itself (gocron singleton mode, an overdue run is
//     rescheduled, not queued) and is bounded by its Timeout;
//   - on a day its market's calendar says is closed a job records a run with
//     status "closed" and does nothing;
//   - every execution is recorded in the store's run log (running, then ok,
//     failed, closed or interrupted), which is what catch-up reads: at Start,
//     a job whose last success is older than its previous due slot runs once
//     immediately, so downtime and host replacement lose no collection;
//   - a panicking job is logged with its stack and recorded failed; the
//     scheduler keeps running (a global AfterJobRunsWithPanic listener);
//   - with several hosts on one database, each run first claims its
//     (job, scheduled slot) row in the store (a gocron Locker), so each slot
//     runs exactly once even with some clock skew; optionally, only the
//     holder of a leader lock (a gocron Elector, see store/mysql.Leader) runs
//     anything at all;
//   - Stop is graceful and bounded; Reload swaps the job set atomically.
//
// The package knows nothing of what a job does: the caller (cmd/marketd)
// supplies a Runner per job, which is where the collector and the validator
// are wired in. Data flows one way: schedule never imports them.
//
// How `marketd run` uses it:
//
//	jobs := []schedule.Job{{Spec: spec, Run: func(ctx context.Context, spec schedule.JobSpec, run *store.Run) error {
//		_, err := coll.Collect(ctx, collector.CollectRequest{
//			Filter: collector.Filter{Source: spec.Source, Market: spec.Market}, Job: spec.Name, Run: run})
//		return err
//	}}, …}
//	s, err := schedule.New(schedule.Config{Store: st, Calendars: …, OnRunFinished: metrics.ObserveRun}, jobs)
//	s.Start(ctx)
//	// SIGHUP: load and validate the whole configuration again; on any
//	// error log it and keep going. Otherwise build the new []Job and call
//	// s.Reload(jobs), which itself refuses an invalid set (ErrInvalidJob)
//	// and leaves the running one in place.
//	// SIGTERM/SIGINT: s.Stop(), then close the store.
//
// In leader mode cmd also creates a store/mysql.Leader on the store's pool,
// passes it as Config.Elector and runs its Run loop for the daemon's
// lifetime. SQLite is single-host: slot claims alone suffice there.
package schedule
