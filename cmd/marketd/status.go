package main

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

// statusJobs are the jobs whose last run shows: the CLI's, then the
// scheduled ones from the configuration.
func (a *app) statusJobs() []string {
	jobs := []string{"collect", "backfill", "repair"}
	for _, spec := range a.cfg.Schedule.Jobs {
		if !slices.Contains(jobs, spec.Name) {
			jobs = append(jobs, spec.Name)
		}
	}
	return jobs
}

func newStatusCmd(a *app) *cobra.Command {
	var runID int64
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show what the store holds and the last run of each job",
		Long: `Show, per source and market, the instruments (all and active), how many have bars,
the latest bar date, how many active instruments are fresh (their watermark has reached
the market's last closed session) or behind, and the oldest watermark among them; then
the last run of each job (collect, backfill, repair and the scheduled jobs) as recorded
in the database, with its run ID, its message naming the instruments that failed and why.

With --run, show that one run in full instead: its counts and every instrument whose
result was not ok.`,
		Example: `  marketd status
  marketd status --run 42
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
			if _, err := st.AbandonGone(ctx, host, store.StaleAfter); err != nil {
				a.log.Warn("cannot record abandoned runs", "err", err)
			}
			if cmd.Flags().Changed("run") {
				return a.showRun(ctx, st, runID)
			}
			insts, err := st.Instruments(ctx, store.InstrumentFilter{})
			if err != nil {
				return err
			}
			keys := make([]market.Key, len(insts))
			for i, in := range insts {
				keys[i] = in.Key
			}
			latest, err := st.LatestBars(ctx, keys)
			if err != nil {
				return err
			}
			marks := map[market.Key]market.Date{}
			for _, src := range []string{market.SourceYahoo, market.SourceNaver} {
				m, err := st.Watermarks(ctx, src)
				if err != nil {
					return err
				}
				for k, d := range m {
					marks[k] = d
				}
			}

			type group struct {
				source, market          string
				total, active, withBars int
				latest, oldestMark      market.Date
				fresh, behind           int
			}
			cals := a.calendars(st)
			lastClosed := map[string]market.Date{}
			groups := map[[2]string]*group{}
			var overall market.Date
			active := 0
			for _, in := range insts {
				id := [2]string{in.Source, in.Market}
				g := groups[id]
				if g == nil {
					g = &group{source: in.Source, market: in.Market}
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
				active++
				if _, ok := lastClosed[in.Market]; !ok {
					cal, err := cals(in.Market)
					if err != nil {
						return err
					}
					lastClosed[in.Market] = cal.LastClosed(a.now())
				}
				d, ok := marks[in.Key]
				if ok && (g.oldestMark == 0 || d < g.oldestMark) {
					g.oldestMark = d
				}
				if ok && d >= lastClosed[in.Market] {
					g.fresh++
				} else {
					g.behind++
				}
			}
			ids := make([][2]string, 0, len(groups))
			for id := range groups {
				ids = append(ids, id)
			}
			sort.Slice(ids, func(i, j int) bool {
				if ids[i][0] != ids[j][0] {
					return ids[i][0] < ids[j][0]
				}
				return ids[i][1] < ids[j][1]
			})

			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintf(tw, "database: %s\n\n", a.databaseName())
			fmt.Fprintln(tw, "SOURCE\tMARKET\tINSTRUMENTS\tACTIVE\tWITH BARS\tLATEST BAR\tFRESH\tBEHIND\tOLDEST WATERMARK")
			for _, id := range ids {
				g := groups[id]
				fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%s\t%d\t%d\t%s\n", g.source, g.market, g.total, g.active, g.withBars,
					dash(g.latest), g.fresh, g.behind, dash(g.oldestMark))
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
			writeSummary(a.stdout, "status: %d instruments (%d active) in %d source/market groups; latest bar %s",
				len(insts), active, len(groups), dash(overall))
			return nil
		},
	}
	cmd.Flags().Int64Var(&runID, "run", 0, "show the run with this `ID` (from the RUN ID column) in full")
	return cmd
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
	notOK := 0
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
	writeSummary(a.stdout, "run %d: %d of %d instrument results not ok", r.ID, notOK, len(r.Results))
	return nil
}

// statusFailedShown is how many failed instruments a run's message names
// before "and N more": status keeps one line per job.
const statusFailedShown = 3

// runMessage is a run's message followed by the instruments that failed
// in it, with their errors, so that a partial run says what to look at.
func runMessage(r store.Run) string {
	var failed []string
	for _, rr := range r.Results {
		if rr.Status == store.RunFailed {
			failed = append(failed, rr.Key.String()+": "+rr.Error)
		}
	}
	if len(failed) > statusFailedShown {
		failed = append(failed[:statusFailedShown], fmt.Sprintf("and %d more", len(failed)-statusFailedShown))
	}
	parts := make([]string, 0, 2)
	if r.Message != "" {
		parts = append(parts, r.Message)
	}
	if len(failed) > 0 {
		parts = append(parts, "failed: "+strings.Join(failed, "; "))
	}
	return strings.Join(parts, "; ")
}

func dash(d market.Date) string {
	if d == 0 {
		return "-"
	}
	return d.String()
}
