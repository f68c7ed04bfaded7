package daemon

import (
	"context"
	"fmt"
	"time"

	"github.com/marketd/marketd/collector"
	"github.com/marketd/marketd/collector/schedule"
	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
	"github.com/marketd/marketd/validate"
)

// jobs builds the scheduled jobs of a generation: each runs what its
// name's kind says (schedule.KindOf).
func (d *Daemon) jobs(g *Generation) []schedule.Job {
	jobs := make([]schedule.Job, 0, len(g.Config.Schedule.Jobs))
	for _, spec := range g.Config.Schedule.Jobs {
		jobs = append(jobs, schedule.Job{Spec: spec, Run: d.withStartPing(g, spec, d.runner(g, spec))})
	}
	return jobs
}

// runner returns what runs spec, by its kind (schedule.KindOf).
func (d *Daemon) runner(g *Generation, spec schedule.JobSpec) schedule.Runner {
	switch schedule.KindOf(spec.Name) {
	case schedule.KindValidate:
		return d.validateRunner(g)
	case schedule.KindLive:
		return d.liveRunner(g)
	case schedule.KindIntraday:
		return d.intradayRunner(g)
	case schedule.KindRetention:
		return d.retentionRunner(g)
	}
	return d.collectRunner(g)
}

// collectRunner collects the job's source and market into the scheduler's
// run record. Failed instruments are in the record (partial or failed), not
// the error. On a database that shares runs, the collect is split into
// work units that the other hosts' daemons join.
func (d *Daemon) collectRunner(g *Generation) schedule.Runner {
	return func(ctx context.Context, spec schedule.JobSpec, run *store.Run) error {
		// The run's own units are worked on here, by Collect: the join
		// poll leaves them alone.
		if run.ID != 0 && d.share.begin(run.ID) {
			defer d.share.end(run.ID)
		}
		s, err := g.Collector.Collect(ctx, collector.CollectRequest{
			Filter: collector.Filter{Source: spec.Source, Market: spec.Market},
			Job:    spec.Name,
			Run:    run,
			Shared: d.shared,
		})
		d.m.AddUnits(s.Units.Claimed, s.Units.Done, s.Units.Lost)
		if err != nil {
			return g.Config.Redact(err)
		}
		// Nothing to collect is not a failure (a fresh install before
		// symbols import), but the run log must say so: "ok, 0" alone
		// reads as success.
		if len(s.Results) == 0 && run.Message == "" {
			run.Message = "no active instruments" + selection(spec)
		}
		return nil
	}
}

// validateRunner validates, repairs within the budget and mails the report,
// as `marketd validate` does. Problems left make the run "problems", with
// the report's subject as its message and each problem as a result, so
// that `status --run ID` says which; with email off they are logged too,
// one line each, since no mail will say so.
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
		if rep.Clean() {
			return nil
		}
		run.Status, run.Message = store.RunProblems, rep.Subject()
		run.Results = problemResults(rep.Problems)
		if g.Config.Email.Host == "" {
			for _, p := range rep.Problems {
				d.log.Warn("validate: problem", "kind", p.Kind, "who", p.Who(), "dates", p.Dates(), "detail", p.Detail, "new", p.New)
			}
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
// is before their market's last closed session (collector.FreshnessOf,
// the same rule status shows). Every source reports, 0 included.
func (d *Daemon) updateBehind(ctx context.Context) {
	g := d.current()
	insts, err := d.st.Instruments(ctx, store.InstrumentFilter{ActiveOnly: true})
	if err != nil {
		d.log.Warn("cannot count instruments behind", "err", err)
		return
	}
	fresh, err := collector.FreshnessOf(ctx, d.st, func(ctx context.Context, code string) (collector.Calendar, error) {
		return g.Calendars.For(ctx, code)
	}, d.now(), insts)
	if err != nil {
		d.log.Warn("cannot count instruments behind", "err", err)
		return
	}
	behind := make(map[string]int, len(g.Pools))
	for name := range g.Pools {
		behind[name] = 0
	}
	for _, f := range fresh {
		if f.Behind() {
			behind[f.Key.Source]++
		}
	}
	for src, n := range behind {
		d.m.SetBehind(src, n)
	}
}

// problemResults lists a validation's problems as run results, one per
// instrument (the run log keeps one result per source and symbol), each
// with status "problems", the dates its problems span, and every problem
// (kind, who, dates, detail) in the error text. Problems of a whole market
// or of a job share the row of their source (or of none).
func problemResults(problems []validate.Problem) []store.RunResult {
	var out []store.RunResult
	at := map[market.Key]int{}
	for _, p := range problems {
		who := p.Who()
		if dates := p.Dates(); dates != "" {
			who += " " + dates
		}
		line := fmt.Sprintf("%s: %s: %s", p.Kind, who, p.Detail)
		i, ok := at[p.Key]
		if !ok {
			at[p.Key] = len(out)
			out = append(out, store.RunResult{Key: p.Key, Status: store.RunProblems, From: p.From, To: p.To, Rows: p.Sessions, Error: line})
			continue
		}
		r := &out[i]
		r.From, r.To = min(r.From, p.From), max(r.To, p.To)
		r.Rows += p.Sessions
		r.Error += "; " + line
	}
	return out
}
