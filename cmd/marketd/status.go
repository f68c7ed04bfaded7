package main

import (
	"context"
	"os"

	"github.com/spf13/cobra"

	"github.com/marketd/marketd/cmd/marketd/internal/cli"
	"github.com/marketd/marketd/collector"
	"github.com/marketd/marketd/collector/schedule"
	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

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
		Args: cli.Args(cobra.NoArgs),
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

// showStatus prints what the store holds per market and source, then the
// last run of each job.
func (a *app) showStatus(ctx context.Context, st *store.Store, choice market.Choices) error {
	rep, err := collector.StatusOf(ctx, st, a.cfg.CollectorCalendars(st), a.now(), choice, collector.StatusJobs(a.cfg.Schedule.JobNames()))
	if err != nil {
		return err
	}
	rep.Database = a.cfg.Database.Name()
	return rep.WriteText(a.stdout)
}

// showRun prints run id in full.
func (a *app) showRun(ctx context.Context, st *store.Store, id int64) error {
	rep, ok, err := collector.RunReportOf(ctx, st, id)
	if err != nil {
		return err
	}
	if !ok {
		return cli.Usagef("--run %d: no run has this ID (see the RUN ID column of marketd status)", id)
	}
	return rep.WriteText(a.stdout)
}
