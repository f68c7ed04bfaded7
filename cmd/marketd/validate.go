package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/marketd/marketd/cmd/marketd/internal/cli"
	"github.com/marketd/marketd/cmd/marketd/internal/config"
	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/validate"
)

// validateOnce runs one validation as the configuration and opt say.
func (a *app) validateOnce(ctx context.Context, opt config.Validation) (*validate.Report, error) {
	w, err := a.wire(ctx)
	if err != nil {
		return nil, err
	}
	run, err := w.Validation(opt)
	if bad := (*config.MailError)(nil); errors.As(err, &bad) {
		return nil, cli.Usage(err)
	}
	if err != nil {
		return nil, err
	}
	return run.Do(ctx)
}

func newValidateCmd(a *app) *cobra.Command {
	var (
		markets, sources []string
		since, format    string
		lookback         int
		noEmail          bool
		noRepair, resend bool
		recheck          bool
	)
	cmd := &cobra.Command{
		Use:   "validate",
		Short: "Check stored data against the exchange calendars, repair, and report",
		Long: `validate finds sessions missing for an instrument (gaps), instruments that
stopped updating, bars that cannot be right, sources that stopped answering and
scheduled jobs that stopped succeeding. It backfills what it can within
validate.repair_budget requests, checks again, prints the report, and mails it
when email.host is set.

--lookback 0 checks the whole history. A check of the whole history remembers,
per instrument, how far the bars were clean; the next one reads only the bars
written since (the last 30 sessions, and whatever was rewritten), unless
--recheck is given (for bars changed by hand in SQL).

Exit code 0 when nothing needs attention, 3 when problems remain, 1 when the
validator itself failed, 2 for usage errors.`,
		Example: `  marketd validate
  marketd validate --market XKRX --lookback 60 --no-email
  marketd validate --lookback 0 --format json --no-repair
  marketd validate --since 2016-01-01 --recheck
  marketd validate --resend`,
		Args: cli.Args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if resend {
				return a.resend(ctx)
			}
			opt, err := a.validationOf(cmd, config.Validation{Lookback: lookback, Repair: !noRepair, Email: !noEmail, Recheck: recheck},
				since, markets, sources)
			if err != nil {
				return err
			}
			if format != "text" && format != "json" {
				return cli.Usagef("--format %q: want text or json", format)
			}
			report, err := a.validateOnce(ctx, opt)
			if report != nil {
				if perr := report.Write(a.stdout, format == "json"); perr != nil && err == nil {
					err = perr
				}
			}
			if err != nil {
				return err
			}
			if !report.Clean() {
				return fmt.Errorf("%s: %w", report.Subject(), cli.ErrProblems)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&markets, "market", nil, "only these `markets`: MICs or names (XKRX, XNYS, JPX, LSE, CRYPTO, ...; marketd calendar show lists them)")
	f.StringSliceVar(&sources, "source", nil, "only these `sources` (naver, yahoo)")
	f.StringVar(&since, "since", "", "check from this `date` (YYYY-MM-DD) instead of the lookback")
	f.IntVar(&lookback, "lookback", 0, "`sessions` back from the last closed one, 0 for the whole history (default validate.lookback)")
	f.BoolVar(&recheck, "recheck", false, "read every bar, even those an earlier check of the whole history found clean")
	f.StringVar(&format, "format", "text", "report `format`: text or json")
	f.BoolVar(&noEmail, "no-email", false, "print the report only")
	f.BoolVar(&noRepair, "no-repair", false, "report without backfilling first")
	f.BoolVar(&resend, "resend", false, "send the reports whose email failed earlier, then exit")
	return cmd
}

// validationOf reads validate's selection flags into opt: --since or
// --lookback (the configured one when neither is given), --market,
// --source.
func (a *app) validationOf(cmd *cobra.Command, opt config.Validation, since string, markets, sources []string) (config.Validation, error) {
	lookback := opt.Lookback
	switch {
	case since != "" && cmd.Flags().Changed("lookback"):
		return opt, cli.Usagef("--since and --lookback: give one or the other")
	case lookback < 0:
		return opt, cli.Usagef("--lookback %d: want 0 (the whole history) or more sessions", lookback)
	case !cmd.Flags().Changed("lookback"):
		opt.Lookback = a.cfg.Validate.Lookback
	}
	if since != "" {
		d, err := market.ParseDate(since)
		if err != nil {
			return opt, cli.Usagef("--since: %v", err)
		}
		// A day of slack: Seoul is ahead of UTC.
		if today := market.DateOf(a.now().UTC()); d > today.AddDays(1) {
			return opt, cli.Usagef("--since %s: the date is in the future", d)
		}
		opt.Since, opt.Lookback = d, 0
	}
	chosen, err := parseMarkets(markets)
	if err != nil {
		return opt, err
	}
	opt.Markets = chosen.Codes()
	for _, s := range sources {
		if err := checkSource(s); err != nil {
			return opt, err
		}
		opt.Sources = append(opt.Sources, s)
	}
	return opt, nil
}

func (a *app) resend(ctx context.Context) error {
	if a.cfg.Email.Host == "" {
		return cli.Usagef("--resend needs email.host")
	}
	st, err := a.openStore(ctx, true)
	if err != nil {
		return err
	}
	m, err := a.cfg.Email.Mailer()
	if err != nil {
		return cli.Usage(err)
	}
	n, err := validate.Resend(ctx, st, m)
	if err != nil {
		return fmt.Errorf("resent %d reports, then: %w", n, err)
	}
	writeSummary(a.stdout, "resent %d reports", n)
	return nil
}
