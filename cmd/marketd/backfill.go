package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/marketd/marketd/cmd/marketd/internal/cli"
	"github.com/marketd/marketd/collector"
	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/validate"
)

// backfillFlags are backfill's flags.
type backfillFlags struct {
	sel                              selection
	from, to, interval               string
	gapsOnly, dryRun, force, prePost bool
	shared                           bool
}

func newBackfillCmd(a *app) *cobra.Command {
	var fl backfillFlags
	cmd := &cobra.Command{
		Use:   "backfill",
		Short: "Fetch history: whole, a date range, or only the missing sessions",
		Long: `backfill fetches the selected instruments' history with the cheapest endpoint
(one Yahoo chart request or one Naver siseJson request per range), committing as it goes.
Interrupted (Ctrl-C), it keeps what is committed; the same command resumes and does
not fetch completed ranges again.

--from defaults to the listing date (or 1980-01-01 when unknown: the source returns
what exists), --to to the last closed session.

With --interval, the minute bars of that interval instead, whole sessions, as far back
as the source serves them (--from defaults to that; older sessions are named, not
fetched); --prepost adds Yahoo's pre- and post-market bars.`,
		Example: `  marketd backfill --source naver --market KOSPI --dry-run
  marketd backfill --source yahoo --symbols AAPL --from 2000-01-01
  marketd backfill --all --gaps-only
  marketd backfill --source yahoo --symbols AAPL --interval 1m --prepost
  marketd backfill --source naver --market KOSPI --interval 1m --dry-run
  marketd backfill --source yahoo --from 2016-01-01 --shared`,
		Args:    cli.Args(cobra.NoArgs),
		PreRunE: cli.FlagGroups,
		RunE:    func(cmd *cobra.Command, args []string) error { return a.backfill(cmd, &fl) },
	}
	fl.sel.flags(cmd, true)
	f := cmd.Flags()
	f.StringVar(&fl.from, "from", "", "first `date`, YYYY-MM-DD (default: listing date)")
	f.StringVar(&fl.to, "to", "", "last `date`, YYYY-MM-DD (default: last closed session)")
	f.BoolVar(&fl.gapsOnly, "gaps-only", false, "fetch only the sessions the calendar expects and the store lacks")
	f.BoolVar(&fl.dryRun, "dry-run", false, "print the plan (ranges, requests, time at the configured rate) and fetch nothing")
	f.BoolVar(&fl.force, "force", false, "refetch ranges that are already stored")
	f.StringVar(&fl.interval, "interval", "", "fetch minute bars of this `interval` instead: 1m, 5m or 60m")
	f.BoolVar(&fl.prePost, "prepost", false, "with --interval: also the bars before and after the regular session (Yahoo)")
	f.BoolVar(&fl.shared, "shared", false, "split the work into units that every `marketd run` on the database joins (MySQL 8.0+, MariaDB 10.6+); this process works too and waits for the end")
	cmd.MarkFlagsMutuallyExclusive("all", "symbols")
	// --gaps-only fetches only what is missing; --force refetches what is stored.
	cmd.MarkFlagsMutuallyExclusive("gaps-only", "force")
	cmd.MarkFlagsMutuallyExclusive("gaps-only", "shared") // the hosts that join have no gap finder
	cmd.MarkFlagsMutuallyExclusive("gaps-only", "interval")
	cmd.MarkFlagsMutuallyExclusive("shared", "interval")
	return cmd
}

// backfill runs one backfill as fl says: the plan with --dry-run.
func (a *app) backfill(cmd *cobra.Command, fl *backfillFlags) error {
	filter, err := fl.sel.filter(cmd.Context(), a, true)
	if err != nil {
		return err
	}
	req := collector.BackfillRequest{Filter: filter, DryRun: fl.dryRun, Force: fl.force, Shared: fl.shared,
		Resume: cli.ResumeCommand(cmd, a.cfg.RedactString)}
	if req.From, req.To, err = parseRange(fl.from, fl.to); err != nil {
		return err
	}
	c, err := a.newCollector(cmd.Context())
	if err != nil {
		return err
	}
	if req.From != 0 {
		if err := a.checkFromClosed(cmd.Context(), req.From, filter.Market); err != nil {
			return err
		}
	}
	if fl.gapsOnly {
		req.Gaps = validate.NewGapFinder(a.store, a.cfg.ValidateCalendars(a.store)).Find
	}
	if !fl.dryRun {
		req.Progress = collector.ProgressTo(a.stderr, cli.IsTerminal(a.stderr), a.log)
	}
	if fl.interval != "" || fl.prePost {
		if req.Interval, err = market.ParseInterval(fl.interval); err != nil || !req.Interval.Intraday() {
			return cli.Usagef("--interval %q: want 1m, 5m or 60m (--prepost needs it)", fl.interval)
		}
		req.PrePost = fl.prePost
	}
	s, plan, err := c.Backfill(cmd.Context(), req)
	if fl.dryRun {
		if err == nil {
			fmt.Fprint(a.stdout, plan.String())
		}
		return err
	}
	return s.Report(a.stdout, err)
}

// checkFromClosed refuses a --from after the last closed session of every
// market selected (code, or all of them): each instrument would be skipped
// and the run reported ok.
func (a *app) checkFromClosed(ctx context.Context, from market.Date, code string) error {
	var codes []string
	if code != "" {
		codes = []string{code}
	}
	last, err := a.cfg.Book(a.store).LastClosed(ctx, codes, a.now())
	if err != nil {
		return err
	}
	if from > last {
		return cli.Usagef("--from %s is after the last closed session (%s): nothing to backfill yet", from, last)
	}
	return nil
}
