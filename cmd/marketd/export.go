package main

import (
	"context"
	"errors"
	"strings"

	"github.com/spf13/cobra"

	"github.com/marketd/marketd/cmd/marketd/internal/cli"
	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
	"github.com/marketd/marketd/store/export"
)

// exportFlags are export's flags as given.
type exportFlags struct {
	source, symbols, from, to, format string
	actions                           bool
	interval                          string
}

func newExportCmd(a *app) *cobra.Command {
	var fl exportFlags
	cmd := &cobra.Command{
		Use:   "export --source S [--symbols A,B] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--format csv|json] [--actions | --interval 1m|5m|60m]",
		Short: "Write stored bars or corporate actions to stdout as CSV or JSON",
		Long: `Write stored daily bars to stdout, ordered by symbol then date, streaming.
CSV has the header source,symbol,date,open,high,low,close,adj_close,volume; prices are
exact decimals without trailing zeros and a missing value is an empty field. JSON is
an array of objects with the same fields (numbers, null when missing).
With --actions, write the corporate actions instead, ordered by symbol, ex-date then
kind, with the header source,symbol,ex_date,kind,amount,numerator,denominator. A
dividend has its amount per share and no numerator or denominator; a split of 4 for 1
has numerator 4, denominator 1 and no amount. A value that does not apply to the kind
is an empty field (JSON: null), never 0.
Without --symbols every instrument of the source is exported; without --from/--to,
every date (with --actions, every ex-date). The summary line goes to stderr.
With --interval, the minute bars of that interval instead, ordered by symbol then start,
with the header source,symbol,interval,start,open,high,low,close,volume: start in the
exchange's zone with its offset (2026-10-05T09:00:00+09:00), --from/--to selecting
session dates there.`,
		Example: `  marketd export --source naver --symbols 005930,000660 --from 2026-01-01 --to 2026-06-30
  marketd export --source yahoo --symbols AAPL --format json > aapl.json
  marketd export --source yahoo --symbols AAPL,MSFT --actions --from 2020-01-01
  marketd export --source naver --symbols 005930 --interval 1m --from 2026-10-05 --format json`,
		Args:    cli.Args(cobra.NoArgs),
		PreRunE: cli.FlagGroups,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.export(cmd.Context(), fl)
		},
	}
	f := cmd.Flags()
	f.StringVar(&fl.source, "source", "", "data `source`: yahoo or naver (required)")
	f.StringVar(&fl.symbols, "symbols", "", "comma-separated `symbols` (default: all of the source)")
	f.StringVar(&fl.from, "from", "", "first `date`, YYYY-MM-DD (default: the earliest stored)")
	f.StringVar(&fl.to, "to", "", "last `date`, YYYY-MM-DD (default: the latest stored)")
	f.StringVar(&fl.format, "format", "csv", "output `format`: csv or json")
	f.BoolVar(&fl.actions, "actions", false, "export corporate actions (dividends, splits) instead of bars")
	f.StringVar(&fl.interval, "interval", "", "export minute bars of this `interval` instead: 1m, 5m or 60m")
	cmd.MarkFlagsMutuallyExclusive("actions", "interval")
	return cmd
}

// export checks the flags, then streams what they select to stdout.
func (a *app) export(ctx context.Context, fl exportFlags) error {
	if err := checkSource(fl.source); err != nil {
		return err
	}
	from, to, err := parseRange(fl.from, fl.to)
	if err != nil {
		return err
	}
	if fl.format != "csv" && fl.format != "json" {
		return cli.Usagef("--format %q: want csv or json", fl.format)
	}
	var iv market.Interval
	if fl.interval != "" {
		if iv, err = market.ParseInterval(fl.interval); err != nil || !iv.Intraday() {
			return cli.Usagef("--interval %q: want 1m, 5m or 60m", fl.interval)
		}
	}
	st, err := a.openStore(ctx, true)
	if err != nil {
		return err
	}
	summary, err := export.Run(ctx, a.stdout, st, export.Request{Source: fl.source, Symbols: strings.Split(fl.symbols, ","),
		From: from, To: to, JSON: fl.format == "json", Actions: fl.actions, Interval: iv})
	if unknown := (*store.UnknownSymbolsError)(nil); errors.As(err, &unknown) {
		return cli.Usagef("export: %v", err)
	}
	if err != nil {
		return err
	}
	writeSummary(a.stderr, "%s", summary)
	return nil
}

// parseRange reads --from and --to; an empty one is 0, an open end.
func parseRange(from, to string) (market.Date, market.Date, error) {
	var fromD, toD market.Date
	var err error
	if from != "" {
		if fromD, err = market.ParseDate(from); err != nil {
			return 0, 0, cli.Usagef("--from: %w", err)
		}
	}
	if to != "" {
		if toD, err = market.ParseDate(to); err != nil {
			return 0, 0, cli.Usagef("--to: %w", err)
		}
	}
	if fromD != 0 && toD != 0 && fromD > toD {
		return 0, 0, cli.Usagef("--from %s is after --to %s", fromD, toD)
	}
	return fromD, toD, nil
}
