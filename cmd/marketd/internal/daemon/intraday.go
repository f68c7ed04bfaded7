package daemon

import (
	"context"
	"fmt"

	"github.com/marketd/marketd/collector"
	"github.com/marketd/marketd/collector/schedule"
	"github.com/marketd/marketd/sources/market/calendar"
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
		transport := g.Config.Sources.Naver.Transport
		live, err := collector.NewLive(collector.LiveConfig{Batch: g.Config.Sources.Naver.PollingBatch, Rate: transport.Limit()}, collector.LiveDeps{
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

var _ collector.SessionHours = (*calendar.Calendar)(nil)
