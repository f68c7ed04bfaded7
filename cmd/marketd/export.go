package main

import (
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

func newExportCmd(a *app) *cobra.Command {
	var source, symbols, from, to, format string
	var actions bool
	cmd := &cobra.Command{
		Use:   "export --source S [--symbols A,B] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--format csv|json] [--actions]",
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
every date (with --actions, every ex-date). The summary line goes to stderr.`,
		Example: `  marketd export --source naver --symbols 005930,000660 --from 2026-01-01 --to 2026-06-30
  marketd export --source yahoo --symbols AAPL --format json > aapl.json
  marketd export --source yahoo --symbols AAPL,MSFT --actions --from 2020-01-01`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkSource(source); err != nil {
				return err
			}
			fromD, toD, err := parseRange(from, to)
			if err != nil {
				return err
			}
			if format != "csv" && format != "json" {
				return usagef("--format %q: want csv or json", format)
			}
			var list []string
			for s := range strings.SplitSeq(symbols, ",") {
				if s = normalizeSymbol(s); s != "" && !slices.Contains(list, s) {
					list = append(list, s)
				}
			}
			slices.Sort(list)

			ctx := cmd.Context()
			st, err := a.openStore(ctx, true)
			if err != nil {
				return err
			}
			if len(list) > 0 {
				known, err := st.Instruments(ctx, store.InstrumentFilter{Source: source, Symbols: list})
				if err != nil {
					return err
				}
				if missing := missingSymbols(list, known); len(missing) > 0 {
					return usagef("export: %s has no %s", source, strings.Join(missing, ", "))
				}
			}
			sel := export.Selection{Source: source, Symbols: list, From: fromD, To: toD, JSON: format == "json"}
			var n export.Count
			if actions {
				n, err = export.Actions(ctx, a.stdout, st, sel)
			} else {
				n, err = export.Bars(ctx, a.stdout, st, sel)
			}
			if err != nil {
				return err
			}
			none := ""
			if len(n.Empty) > 0 {
				none = fmt.Sprintf("; no %s in the range for %s", n.Noun, strings.Join(n.Empty, ", "))
			}
			writeSummary(a.stderr, "export: %d %s of %d symbols (%s, %s to %s, %s)%s",
				n.Rows, n.Noun, n.Symbols, source, rangeText(from, fromD), rangeText(to, toD), format, none)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&source, "source", "", "data `source`: yahoo or naver (required)")
	f.StringVar(&symbols, "symbols", "", "comma-separated `symbols` (default: all of the source)")
	f.StringVar(&from, "from", "", "first `date`, YYYY-MM-DD (default: the earliest stored)")
	f.StringVar(&to, "to", "", "last `date`, YYYY-MM-DD (default: the latest stored)")
	f.StringVar(&format, "format", "csv", "output `format`: csv or json")
	f.BoolVar(&actions, "actions", false, "export corporate actions (dividends, splits) instead of bars")
	return cmd
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
