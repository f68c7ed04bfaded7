package daemon

import (
	"context"
	"time"

	"github.com/marketd/marketd/collector"
	"github.com/marketd/marketd/collector/schedule"
	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

// jobs builds the scheduled jobs of a generation: the validate job
// validates, every other job collects its source and market.
func (d *Daemon) jobs(g *Generation) []schedule.Job {
	jobs := make([]schedule.Job, 0, len(g.Config.Schedule.Jobs))
	for _, spec := range g.Config.Schedule.Jobs {
		run := d.collectRunner(g)
		if spec.Name == schedule.JobValidate {
			run = d.validateRunner(g)
		}
		jobs = append(jobs, schedule.Job{Spec: spec, Run: d.withStartPing(g, spec, run)})
	}
	return jobs
}

// collectRunner collects the job's source and market into the scheduler's
// run record. Failed instruments are in the record (partial or failed), not
// the error.
func (d *Daemon) collectRunner(g *Generation) schedule.Runner {
	return func(ctx context.Context, spec schedule.JobSpec, run *store.Run) error {
		s, err := g.Collector.Collect(ctx, collector.CollectRequest{
			Filter: collector.Filter{Source: spec.Source, Market: spec.Market},
			Job:    spec.Name,
			Run:    run,
		})
		if err != nil {
			return g.Config.Redact(err)
		}
		// Nothing to collect is not a failure (a fresh install before
		// symbols import), but the run log must say so: "ok, 0" alone
		// reads as success.
		if len(s.Results) == 0 && run.Message == "" {
			run.Message = "no active instruments"
			if spec.Source != "" {
				run.Message += " for source " + spec.Source
			}
			if spec.Market != "" {
				run.Message += " on market " + spec.Market
			}
		}
		return nil
	}
}

// validateRunner validates, repairs within the budget and mails the report,
// as `marketd validate` does. Problems left make the run partial, with the
// report's subject as its message.
func (d *Daemon) validateRunner(g *Generation) schedule.Runner {
	return func(ctx context.Context, spec schedule.JobSpec, run *store.Run) error {
		rep, err := g.Validate(ctx)
		if rep != nil {
			gaps := map[string]int{}
			for _, ms := range rep.Markets {
				gaps[ms.Market] += ms.GapSessions
			}
			for mic, n := range gaps {
				d.m.SetGaps(mic, n)
			}
		}
		if err != nil {
			return g.Config.Redact(err)
		}
		if !rep.Clean() {
			run.Status = store.RunPartial
			run.Message = rep.Subject()
		}
		return nil
	}
}

// runFinished pings the run's outcome, feeds it to the metrics and, after
// a collection, recounts the instruments behind.
func (d *Daemon) runFinished(r store.Run) {
	d.pingOutcome(r)
	d.m.ObserveRun(r)
	if r.Job != schedule.JobValidate && r.Status != store.RunClosed {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		d.updateBehind(ctx)
	}
}

// seedLastSuccess sets each job's last-success metric from the run log, so
// a restart does not read as "never succeeded".
func (d *Daemon) seedLastSuccess(ctx context.Context) {
	for _, spec := range d.Config().Schedule.Jobs {
		t, ok, err := d.st.LastSuccess(ctx, spec.Name)
		if err != nil {
			d.log.Warn("cannot read last success", "job", spec.Name, "err", err)
			continue
		}
		if ok {
			d.m.SetLastSuccess(spec.Name, t.Unix())
		}
	}
}

// updateBehind counts, per source, the active instruments whose watermark
// is before their market's last closed session.
func (d *Daemon) updateBehind(ctx context.Context) {
	g := d.current()
	now := d.now()
	lastClosed := map[string]market.Date{} // by market: one calendar read each
	for _, src := range []string{market.SourceYahoo, market.SourceNaver} {
		insts, err := d.st.Instruments(ctx, store.InstrumentFilter{Source: src, ActiveOnly: true})
		if err != nil {
			d.log.Warn("cannot count instruments behind", "source", src, "err", err)
			return
		}
		wm, err := d.st.Watermarks(ctx, src)
		if err != nil {
			d.log.Warn("cannot count instruments behind", "source", src, "err", err)
			return
		}
		n := 0
		for _, in := range insts {
			last, ok := lastClosed[in.Market]
			if !ok {
				if cal, err := g.Calendars.For(ctx, in.Market); err == nil {
					last = cal.LastClosed(now)
				} // else no market: nothing the collector would fetch either
				lastClosed[in.Market] = last
			}
			if last != 0 && wm[in.Key] < last {
				n++
			}
		}
		d.m.SetBehind(src, n)
	}
}
