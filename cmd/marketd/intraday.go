package main

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/marketd/marketd/cmd/marketd/internal/cli"
	"github.com/marketd/marketd/collector"
	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

func newSymbolsIntradayCmd(a *app) *cobra.Command {
	var source, interval string
	cmd := &cobra.Command{
		Use:   "intraday --source S --interval 1m|5m|60m|off SYMBOL...",
		Short: "Choose the minute bars collected for instruments (off: none)",
		Long: `Set the interval of the minute bars archived for instruments after each close; off
stops it (stored minute bars are kept). Every symbol must be in the store, else nothing
changes.`,
		Example: `  marketd symbols intraday --source yahoo --interval 1m AAPL MSFT
  marketd symbols intraday --source naver --interval off 005930`,
		Args: cli.Args(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			iv, err := parseIntradayFlag("--interval", source, interval)
			if err != nil {
				return err
			}
			st, err := a.openStore(cmd.Context(), true)
			if err != nil {
				return err
			}
			n, named, err := collector.SetIntraday(cmd.Context(), st, source, args, iv)
			if errors.Is(err, store.ErrNotFound) {
				return cli.Usagef("symbols intraday: %v; nothing changed", err)
			} else if err != nil {
				return err
			}
			writeSummary(a.stdout, "symbols intraday: %s set to %s, %d already (%s)", cli.Plural(n, "instrument"), interval, named-n, source)
			return nil
		},
	}
	cmd.Flags().StringVar(&source, "source", "", "data `source`: yahoo or naver (required)")
	cmd.Flags().StringVar(&interval, "interval", "", "`interval` of the minute bars: 1m, 5m, 60m, or off (required)")
	return cmd
}

// parseIntradayFlag reads flag (--intraday or --interval): 1m, 5m, 60m or
// off, an interval source serves.
func parseIntradayFlag(flag, source, s string) (market.Interval, error) {
	site, err := siteNamed("--source", source)
	if err != nil {
		return 0, err
	}
	iv, err := site.ParseIntraday(s)
	if err != nil {
		return 0, cli.Usagef("%s: %w", flag, err)
	}
	return iv, nil
}
