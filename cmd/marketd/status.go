package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/marketd/marketd/collector"
	"github.com/marketd/marketd/collector/schedule"
	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

// statusJobs are the jobs whose last run shows: the CLI's, then the
// scheduled ones from the configuration.
func (a *app) statusJobs() []string {
	jobs := []string{collector.JobCollect, collector.JobBackfill, collector.JobRepair}
	for _, spec := range a.cfg.Schedule.Jobs {
		if !slices.Contains(jobs, spec.Name) {
			jobs = append(jobs, spec.Name)
		}
	}
	return jobs
}

func newStatusCmd(a *app) *cobra.Command {
	var (
		runID   int64
		markets []string
	)
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show what the store holds and the last run of each job",
		Long: `Show, per market and source, the instruments (all and active), how many have bars,
the latest bar date, how many active instruments are fresh (their watermark has reached
the market's last closed session) or behind, and the oldest watermark among them; for
instruments archiving minute bars, per market, source and interval, how many are fresh
(their last stored minute is in the market's last closed session) or behind, the last
stored minute beside the last one expected, and the oldest instrument's last minute; then
the last run of each job (collect, backfill, repair and the scheduled jobs) as recorded
in the database, with its run ID, its message naming the instruments that failed and why.

With --market, show those markets only (a MIC or a name: XKRX, KOSPI, JPX, LSE, ...).
With --run, show that one run in full instead: its counts and every instrument whose
result was not ok.`,
		Example: `  marketd status
  marketd status --market JPX
  marketd status --run 1
  marketd --config /etc/marketd/marketd.yaml status`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st, err := a.openStore(ctx, true)
			if err != nil {
				return err
			}
			// A run whose process died still says "running": show and record
			// it abandoned (a read-only database user only gets the warning).
			host, _ := os.Hostname()
			if _, err := st.AbandonGone(ctx, host, store.StaleAfter, schedule.AfterAbandon); err != nil {
				a.log.Warn("cannot record abandoned runs", "err", err)
			}
			if cmd.Flags().Changed("run") {
				return a.showRun(ctx, st, runID)
			}
			choice, err := parseMarkets(markets)
			if err != nil {
				return err
			}
			return a.showStatus(ctx, st, choice)
		},
	}
	cmd.Flags().Int64Var(&runID, "run", 0, "show the run with this `ID` (from the RUN ID column) in full")
	cmd.Flags().StringSliceVar(&markets, "market", nil, "show these `markets` only (MIC or name, comma-separated)")
	return cmd
}

// statusGroup is one source and market's line of status.
type statusGroup struct {
	source, market          string
	total, active, withBars int
	latest, oldestMark      market.Date
	fresh, behind           int
}

// statusGroups sums the instruments per source and market, by source then
// market, with the latest bar of all.
func (a *app) statusGroups(ctx context.Context, st *store.Store, insts []market.Instrument) ([]*statusGroup, market.Date, error) {
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
		return nil, 0, err
	}
	cals := book(a.cfg, st)
	fresh, err := collector.FreshnessOf(ctx, st, func(ctx context.Context, code string) (collector.Calendar, error) {
		return cals.For(ctx, code)
	}, a.now(), active)
	if err != nil {
		return nil, 0, err
	}
	freshness := make(map[market.Key]collector.Freshness, len(fresh))
	for _, f := range fresh {
		freshness[f.Key] = f
	}
	groups := map[[2]string]*statusGroup{}
	var overall market.Date
	for _, in := range insts {
		id := [2]string{in.Source, in.Market}
		g := groups[id]
		if g == nil {
			g = &statusGroup{source: in.Source, market: in.Market}
			groups[id] = g
		}
		g.total++
		if b, ok := latest[in.Key]; ok {
			g.withBars++
			g.latest = max(g.latest, b.Date)
			overall = max(overall, b.Date)
		}
		if !in.Active {
			continue
		}
		g.active++
		f := freshness[in.Key]
		if f.Watermark != 0 && (g.oldestMark == 0 || f.Watermark < g.oldestMark) {
			g.oldestMark = f.Watermark
		}
		if f.Behind() {
			g.behind++
		} else {
			g.fresh++
		}
	}
	out := slices.Collect(maps.Values(groups))
	slices.SortFunc(out, func(x, y *statusGroup) int {
		return cmp.Or(cmp.Compare(x.market, y.market), cmp.Compare(x.source, y.source))
	})
	return out, overall, nil
}

// showStatus prints what the store holds per market and source, then the
// last run of each job.
func (a *app) showStatus(ctx context.Context, st *store.Store, choice marketChoices) error {
	all, err := st.Instruments(ctx, store.InstrumentFilter{})
	if err != nil {
		return err
	}
	var insts []market.Instrument
	for _, in := range all {
		if choice.has(in) {
			insts = append(insts, in)
		}
	}
	groups, overall, err := a.statusGroups(ctx, st, insts)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "database: %s\n\n", a.databaseName())
	fmt.Fprintln(tw, "MARKET\tSOURCE\tINSTRUMENTS\tACTIVE\tWITH BARS\tLATEST BAR\tFRESH\tBEHIND\tOLDEST WATERMARK")
	active := 0
	for _, g := range groups {
		active += g.active
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%s\t%d\t%d\t%s\n", g.market, g.source, g.total, g.active, g.withBars,
			dash(g.latest), g.fresh, g.behind, dash(g.oldestMark))
	}
	cals := book(a.cfg, st)
	mins, err := collector.MinuteStatusOf(ctx, st, func(ctx context.Context, code string) (collector.Calendar, error) { return cals.For(ctx, code) }, a.now(), insts)
	if err != nil {
		return err
	}
	if err := collector.WriteMinuteStatus(tw, mins); err != nil {
		return err
	}
	fmt.Fprintln(tw, "\nJOB\tLAST RUN\tRUN ID\tSTATUS\tOK\tFAILED\tSKIPPED\tROWS IN/CHANGED\tMESSAGE")
	for _, job := range a.statusJobs() {
		runs, err := st.Runs(ctx, job, 1)
		if err != nil {
			return err
		}
		if len(runs) == 0 {
			fmt.Fprintf(tw, "%s\tnever\t-\t-\t\t\t\t\t\n", job)
			continue
		}
		r := runs[0]
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%d\t%d\t%d\t%d/%d\t%s\n", job, r.Started.UTC().Format(time.RFC3339), r.ID, r.Status,
			r.OK, r.Failed, r.Skipped, r.Inserted, r.Changed, runMessage(r))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	writeSummary(a.stdout, "status: %d instruments (%d active) in %d market/source groups; latest bar %s",
		len(insts), active, len(groups), dash(overall))
	return nil
}

// showRun prints run id: its counts, then every instrument whose result was
// not ok, which the one-line message of status cuts short.
func (a *app) showRun(ctx context.Context, st *store.Store, id int64) error {
	r, ok, err := st.RunByID(ctx, id)
	if err != nil {
		return err
	}
	if !ok {
		return usagef("--run %d: no run has this ID (see the RUN ID column of marketd status)", id)
	}
	finished := "-"
	if !r.Finished.IsZero() {
		finished = fmt.Sprintf("%s (took %s)", r.Finished.UTC().Format(time.RFC3339), r.Finished.Sub(r.Started).Round(time.Second))
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	for _, kv := range [][2]string{
		{"run", fmt.Sprint(r.ID)},
		{"job", r.Job},
		{"host", cmp.Or(r.Host, "-")},
		{"started", r.Started.UTC().Format(time.RFC3339)},
		{"finished", finished},
		{"status", r.Status},
		{"instruments", fmt.Sprintf("%d ok, %d failed, %d skipped", r.OK, r.Failed, r.Skipped)},
		{"requests", fmt.Sprintf("%d (%d throttled, %d retries)", r.Requests, r.Throttled, r.Retries)},
		{"rows", fmt.Sprintf("%d inserted, %d changed, %d unchanged", r.Inserted, r.Changed, r.Unchanged)},
		{"message", cmp.Or(r.Message, "-")},
	} {
		fmt.Fprintf(tw, "%s:\t%s\n", kv[0], kv[1])
	}
	if err := writeUnits(ctx, tw, st, r.ID); err != nil {
		return err
	}
	notOK := 0
	byStatus := map[string]int{}
	var statuses []string // in order of first appearance, ok first
	for _, rr := range append([]store.RunResult{{Status: store.RunOK}}, r.Results...) {
		if _, seen := byStatus[rr.Status]; !seen {
			statuses = append(statuses, rr.Status)
		}
		byStatus[rr.Status]++
	}
	byStatus[store.RunOK]-- // the seed above
	for _, rr := range r.Results {
		if rr.Status == store.RunOK {
			continue
		}
		if notOK == 0 {
			fmt.Fprintln(tw, "\nSOURCE\tSYMBOL\tSTATUS\tFROM\tTO\tROWS\tERROR")
		}
		notOK++
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", rr.Key.Source, rr.Key.Symbol, rr.Status,
			dash(rr.From), dash(rr.To), rr.Rows, cmp.Or(rr.Error, "-"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(r.Results) == 0 {
		writeSummary(a.stdout, "run %d: no instrument results", r.ID)
		return nil
	}
	counts := make([]string, 0, len(statuses))
	for _, s := range statuses {
		if byStatus[s] > 0 {
			counts = append(counts, fmt.Sprintf("%d %s", byStatus[s], s))
		}
	}
	writeSummary(a.stdout, "run %d: %s: %s", r.ID, plural(len(r.Results), "instrument result"), strings.Join(counts, ", "))
	return nil
}

// writeUnits writes the work units of a run shared between hosts, by host
// and state, to tw; nothing for a run that was not shared or a database
// that cannot share (SQLite).
func writeUnits(ctx context.Context, tw io.Writer, st *store.Store, id int64) error {
	units, err := st.Units(ctx, id)
	if errors.Is(err, store.ErrSingleHost) || err == nil && len(units) == 0 {
		return nil
	}
	if err != nil {
		return err
	}
	type group struct {
		host, state  string
		units, insts int
		counts       store.UnitCounts
	}
	var groups []*group
	for _, u := range units {
		host := cmp.Or(u.Host, "-") // a pending unit has no host yet
		i := slices.IndexFunc(groups, func(g *group) bool { return g.host == host && g.state == u.State })
		if i < 0 {
			i = len(groups)
			groups = append(groups, &group{host: host, state: u.State})
		}
		g := groups[i]
		g.units++
		g.insts += len(u.Symbols)
		g.counts = g.counts.Add(u.UnitCounts)
	}
	slices.SortFunc(groups, func(a, b *group) int { return cmp.Or(cmp.Compare(a.host, b.host), cmp.Compare(a.state, b.state)) })
	fmt.Fprintln(tw, "\nHOST\tSTATE\tUNITS\tINSTRUMENTS\tOK\tFAILED\tSKIPPED\tROWS\tREQUESTS")
	for _, g := range groups {
		c := g.counts
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\n", g.host, g.state, g.units, g.insts,
			c.OK, c.Failed, c.Skipped, c.Inserted+c.Changed+c.Unchanged, c.Requests)
	}
	return nil
}

// runMessage is a run's message followed by the instruments that failed
// in it.
func runMessage(r store.Run) string {
	parts := make([]string, 0, 2)
	if r.Message != "" {
		parts = append(parts, r.Message)
	}
	if f := collector.FailedInstruments(r.Results); f != "" {
		parts = append(parts, f)
	}
	return strings.Join(parts, "; ")
}

func dash(d market.Date) string {
	if d == 0 {
		return "-"
	}
	return d.String()
}
