package collector

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

// StatusStore is what StatusOf reads of the store.
type StatusStore interface {
	WatermarkReader
	LatestMinutesReader
	Instruments(ctx context.Context, f store.InstrumentFilter) ([]market.Instrument, error)
	LatestBars(ctx context.Context, keys []market.Key) (map[market.Key]market.Bar, error)
	Runs(ctx context.Context, job string, limit int) ([]store.Run, error)
}

// StatusGroup is one market and source's line of status.
type StatusGroup struct {
	Source, Market          string
	Total, Active, WithBars int
	Latest, OldestMark      market.Date // 0 when none
	Fresh, Behind           int         // of the active instruments (Freshness)
}

// JobStatus is a job's last run; Last is nil when it never ran.
type JobStatus struct {
	Job  string
	Last *store.Run
}

// StatusReport is what marketd status shows: the instruments per market
// and source, their minute archives, and the last run of each job.
type StatusReport struct {
	Database            string // named for the reader, password masked
	Groups              []StatusGroup
	Minutes             []MinuteStatusGroup // of the instruments archiving minute bars
	Instruments, Active int
	Latest              market.Date // the latest bar of all
	Jobs                []JobStatus
}

// StatusJobs are the jobs whose last run status shows: the collector's,
// then the scheduled ones, each once.
func StatusJobs(scheduled []string) []string {
	jobs := []string{JobCollect, JobBackfill, JobRepair}
	for _, name := range scheduled {
		if !slices.Contains(jobs, name) {
			jobs = append(jobs, name)
		}
	}
	return jobs
}

// StatusOf sums the instruments of the chosen markets (every market when
// none) per source and market, by market then source, with their
// freshness at now, and reads the last run of each of jobs.
func StatusOf(ctx context.Context, st StatusStore, cals func(ctx context.Context, market string) (Calendar, error),
	now time.Time, chosen market.Choices, jobs []string) (StatusReport, error) {
	var rep StatusReport
	all, err := st.Instruments(ctx, store.InstrumentFilter{})
	if err != nil {
		return rep, err
	}
	var insts []market.Instrument
	for _, in := range all {
		if chosen.Has(in) {
			insts = append(insts, in)
		}
	}
	keys := make([]market.Key, len(insts))
	var active []market.Instrument
	for i, in := range insts {
		keys[i] = in.Key
		if in.Active {
			active = append(active, in)
		}
	}
	latest, err := st.LatestBars(ctx, keys)
	if err != nil {
		return rep, err
	}
	fresh, err := FreshnessOf(ctx, st, cals, now, active)
	if err != nil {
		return rep, err
	}
	freshness := make(map[market.Key]Freshness, len(fresh))
	for _, f := range fresh {
		freshness[f.Key] = f
	}
	groups := map[[2]string]*StatusGroup{}
	for _, in := range insts {
		id := [2]string{in.Source, in.Market}
		g := groups[id]
		if g == nil {
			g = &StatusGroup{Source: in.Source, Market: in.Market}
			groups[id] = g
		}
		g.Total++
		if b, ok := latest[in.Key]; ok {
			g.WithBars++
			g.Latest = max(g.Latest, b.Date)
			rep.Latest = max(rep.Latest, b.Date)
		}
		if in.Active {
			g.count(freshness[in.Key])
		}
	}
	for _, g := range groups {
		rep.Groups = append(rep.Groups, *g)
		rep.Active += g.Active
	}
	slices.SortFunc(rep.Groups, func(x, y StatusGroup) int {
		return cmp.Or(cmp.Compare(x.Market, y.Market), cmp.Compare(x.Source, y.Source))
	})
	rep.Instruments = len(insts)
	if rep.Minutes, err = MinuteStatusOf(ctx, st, cals, now, insts); err != nil {
		return rep, err
	}
	for _, job := range jobs {
		runs, err := st.Runs(ctx, job, 1)
		if err != nil {
			return rep, err
		}
		js := JobStatus{Job: job}
		if len(runs) > 0 {
			js.Last = &runs[0]
		}
		rep.Jobs = append(rep.Jobs, js)
	}
	return rep, nil
}

// count adds an active instrument of the group.
func (g *StatusGroup) count(f Freshness) {
	g.Active++
	if f.Watermark != 0 && (g.OldestMark == 0 || f.Watermark < g.OldestMark) {
		g.OldestMark = f.Watermark
	}
	if f.Behind() {
		g.Behind++
	} else {
		g.Fresh++
	}
}

// WriteText writes the report as marketd status prints it: the groups'
// table, the jobs' table and a summary line.
func (r StatusReport) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "database: %s\n\n", r.Database)
	fmt.Fprintln(tw, "MARKET\tSOURCE\tINSTRUMENTS\tACTIVE\tWITH BARS\tLATEST BAR\tFRESH\tBEHIND\tOLDEST WATERMARK")
	for _, g := range r.Groups {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%s\t%d\t%d\t%s\n", g.Market, g.Source, g.Total, g.Active, g.WithBars,
			dash(g.Latest), g.Fresh, g.Behind, dash(g.OldestMark))
	}
	if err := WriteMinuteStatus(tw, r.Minutes); err != nil {
		return err
	}
	fmt.Fprintln(tw, "\nJOB\tLAST RUN\tRUN ID\tSTATUS\tOK\tFAILED\tSKIPPED\tROWS IN/CHANGED\tMESSAGE")
	for _, js := range r.Jobs {
		if js.Last == nil {
			fmt.Fprintf(tw, "%s\tnever\t-\t-\t\t\t\t\t\n", js.Job)
			continue
		}
		r := js.Last
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%d\t%d\t%d\t%d/%d\t%s\n", js.Job, r.Started.UTC().Format(time.RFC3339), r.ID, r.Status,
			r.OK, r.Failed, r.Skipped, r.Inserted, r.Changed, RunMessage(*r))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "status: %d instruments (%d active) in %d market/source groups; latest bar %s\n",
		r.Instruments, r.Active, len(r.Groups), dash(r.Latest))
	return err
}

// RunMessage is a run's message followed by the instruments that failed
// in it.
func RunMessage(r store.Run) string {
	parts := make([]string, 0, 2)
	if r.Message != "" {
		parts = append(parts, r.Message)
	}
	if f := FailedInstruments(r.Results); f != "" {
		parts = append(parts, f)
	}
	return strings.Join(parts, "; ")
}

// dash is a date for a table cell: "-" when there is none.
func dash(d market.Date) string {
	if d == 0 {
		return "-"
	}
	return d.String()
}
