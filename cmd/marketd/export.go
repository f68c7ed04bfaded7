package main

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
	"github.com/marketd/marketd/store/export"
)

// The widest range a DATE column holds, for "no --from/--to".
var (
	firstDate = market.NewDate(1000, 1, 1)
	lastDate  = market.NewDate(9999, 12, 31)
)

// exportFlags are export's flags as given.
type exportFlags struct {
	source, symbols, from, to, format string
	actions                           bool
	interval                          string
}

func newExportCmd(a *app) *cobra.Command {
	var source, symbols, from, to, format, interval string
	var actions bool
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
		Args:    usageArgs(cobra.NoArgs),
		PreRunE: usageFlagGroups,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.export(cmd.Context(), exportFlags{source, symbols, from, to, format, actions, interval})
		},
	}
	f := cmd.Flags()
	f.StringVar(&source, "source", "", "data `source`: yahoo or naver (required)")
	f.StringVar(&symbols, "symbols", "", "comma-separated `symbols` (default: all of the source)")
	f.StringVar(&from, "from", "", "first `date`, YYYY-MM-DD (default: the earliest stored)")
	f.StringVar(&to, "to", "", "last `date`, YYYY-MM-DD (default: the latest stored)")
	f.StringVar(&format, "format", "csv", "output `format`: csv or json")
	f.BoolVar(&actions, "actions", false, "export corporate actions (dividends, splits) instead of bars")
	f.StringVar(&interval, "interval", "", "export minute bars of this `interval` instead: 1m, 5m or 60m")
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
		return usagef("--format %q: want csv or json", fl.format)
	}
	var list []string
	for s := range strings.SplitSeq(fl.symbols, ",") {
		if s = normalizeSymbol(s); s != "" && !slices.Contains(list, s) {
			list = append(list, s)
		}
	}
	slices.Sort(list)
	st, err := a.openStore(ctx, true)
	if err != nil {
		return err
	}
	if len(list) > 0 {
		known, err := st.Instruments(ctx, store.InstrumentFilter{Source: fl.source, Symbols: list})
		if err != nil {
			return err
		}
		if missing := missingSymbols(list, known); len(missing) > 0 {
			return usagef("export: %s has no %s", fl.source, strings.Join(missing, ", "))
		}
	}
	if fl.interval != "" {
		return a.exportMinutes(ctx, st, fl, list)
	}
	sel := export.Selection{Source: fl.source, Symbols: list, From: from, To: to, JSON: fl.format == "json"}
	var n export.Count
	if fl.actions {
		n, err = export.Actions(ctx, a.stdout, st, sel)
	} else {
		n, err = export.Bars(ctx, a.stdout, st, sel)
	}
	if err != nil {
		return err
	}
	none := ""
	if len(n.Empty) > 0 {
		none = fmt.Sprintf("; no %ss in the range for %s", n.Noun, strings.Join(n.Empty, ", "))
	}
	writeSummary(a.stderr, "export: %s of %s (%s, %s to %s, %s)%s", plural(n.Rows, n.Noun), plural(n.Symbols, "symbol"),
		fl.source, rangeText(fl.from, from), rangeText(fl.to, to), fl.format, none)
	return nil
}

// plural counts things in words: "1 symbol", "2 symbols".
func plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}

func parseRange(from, to string) (market.Date, market.Date, error) {
	fromD, toD := firstDate, lastDate
	var err error
	if from != "" {
		if fromD, err = market.ParseDate(from); err != nil {
			return 0, 0, usagef("--from: %w", err)
		}
	}
	if to != "" {
		if toD, err = market.ParseDate(to); err != nil {
			return 0, 0, usagef("--to: %w", err)
		}
	}
	if fromD > toD {
		return 0, 0, usagef("--from %s is after --to %s", fromD, toD)
	}
	return fromD, toD, nil
}

func rangeText(flag string, d market.Date) string {
	if flag == "" {
		if d == firstDate {
			return "first"
		}
		return "last"
	}
	return d.String()
}
