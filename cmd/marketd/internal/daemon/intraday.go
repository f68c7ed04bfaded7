package daemon

import (
	"context"
	"fmt"
	"strings"

	"github.com/marketd/marketd/collector"
	"github.com/marketd/marketd/collector/schedule"
	"github.com/marketd/marketd/store"
)

// liveRunner polls the job's source through today's session of its
// market into minute bars (collector.Live), from the open, or from now
// when the session has begun, to the close. Another run of the job still
// polling (another host's, or this one's from before a reload) is left to
// it: this run ends at once and says so.
func (d *Daemon) liveRunner(g *Generation) schedule.Runner {
	return func(ctx context.Context, spec schedule.JobSpec, run *store.Run) error {
		poller := g.Quotes[spec.Source]
		if poller == nil {
			return fmt.Errorf("job %q: source %q has no live quote feed", spec.Name, spec.Source)
		}
		if other, ok, err := d.pollingRun(ctx, spec.Name, run.ID); err != nil {
			return g.Config.Redact(err)
		} else if ok {
			run.Message = fmt.Sprintf("run %d on %s (pid %d) is polling this session", other.ID, other.Host, other.PID)
			return nil
		}
		// Naver's settings: the one source with a live feed (the
		// configuration refuses a live- job on another).
		naver := g.Config.Sources.Naver
		live, err := collector.NewLive(collector.LiveConfig{Batch: naver.PollingBatch, Rate: naver.Transport.Limit()}, collector.LiveDeps{
			Poller: poller,
			Store:  d.st,
			Calendars: func(ctx context.Context, mic string) (collector.SessionHours, error) {
				return g.Calendars.For(ctx, mic)
			},
			Clock: d.deps.Clock,
			Log:   d.log,
		})
		if err != nil {
			return err
		}
		sum, err := live.Session(ctx, collector.LiveRequest{Source: spec.Source, Market: spec.Market})
		run.OK = sum.Instruments
		run.Inserted, run.Changed, run.Unchanged = sum.Inserted, sum.Changed, sum.Unchanged
		run.Message = sum.String()
		if err != nil {
			return g.Config.Redact(err)
		}
		if sum.FailedPolls > 0 || sum.FailedWrites > 0 {
			run.Status = store.RunPartial
		}
		return nil
	}
}

// pollingRun returns another run of job that is still polling: recorded
// running, with a heartbeat within store.StaleAfter (a run whose process
// died is not).
func (d *Daemon) pollingRun(ctx context.Context, job string, self int64) (store.Run, bool, error) {
	runs, err := d.st.Runs(ctx, job, 10)
	if err != nil {
		return store.Run{}, false, fmt.Errorf("job %q: read its runs: %w", job, err)
	}
	for _, r := range runs {
		if r.ID != self && r.Status == store.RunRunning && d.now().Sub(r.Heartbeat) < store.StaleAfter {
			return r, true, nil
		}
	}
	return store.Run{}, false, nil
}

// liveRestate is how many of the latest closed sessions an archive job
// fetches again for a source polled live: the session just polled (whose
// minutes have no open, high or low, and lack those polled while the
// daemon was down) and the one before, for a catch-up the next morning
// whose live poll stored a minute of the new session before it read the
// watermarks.
const liveRestate = 2

// intradayRunner archives the minute bars of the job's source and market
// after the close (collector.ArchiveMinutes) into the scheduler's run
// record, as collectRunner collects daily bars.
func (d *Daemon) intradayRunner(g *Generation) schedule.Runner {
	return func(ctx context.Context, spec schedule.JobSpec, run *store.Run) error {
		req := collector.ArchiveRequest{Filter: collector.Filter{Source: spec.Source, Market: spec.Market}, Job: spec.Name, Run: run}
		if g.Quotes[spec.Source] != nil {
			req.Restate = liveRestate
		}
		s, err := g.Collector.ArchiveMinutes(ctx, req)
		if err != nil {
			return g.Config.Redact(err)
		}
		if len(s.Results) == 0 && s.UpToDate == 0 && run.Message == "" {
			run.Message = "no active intraday instruments" + selection(spec)
		}
		return nil
	}
}

// retentionRunner drops the minute bars older than intraday.retention.
func (d *Daemon) retentionRunner(g *Generation) schedule.Runner {
	return func(ctx context.Context, _ schedule.JobSpec, run *store.Run) error {
		res, err := collector.DropExpiredMinutes(ctx, d.st, d.now(), g.Config.Intraday.Retention.Before, d.log)
		if err != nil {
			return g.Config.Redact(err)
		}
		switch {
		case len(res.Partitions) > 0:
			run.Message = fmt.Sprintf("dropped %d monthly partitions of minute bars: %s", len(res.Partitions), strings.Join(res.Partitions, ", "))
		case res.Rows > 0:
			run.Message = fmt.Sprintf("deleted %d minute bars older than intraday.retention (%s)", res.Rows, g.Config.Intraday.Retention)
		default:
			run.Message = fmt.Sprintf("no minute bars older than intraday.retention (%s)", g.Config.Intraday.Retention)
		}
		return nil
	}
}

// selection words a job's source and market for a run's message.
func selection(spec schedule.JobSpec) string {
	var s string
	if spec.Source != "" {
		s += " for source " + spec.Source
	}
	if spec.Market != "" {
		s += " on market " + spec.Market
	}
	return s
}
