package main

import (
	"context"
	"errors"

	"github.com/spf13/cobra"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
	"github.com/marketd/marketd/store/export"
)

func newSymbolsIntradayCmd(a *app) *cobra.Command {
	var source, interval string
	cmd := &cobra.Command{
		Use:   "intraday --source S --interval 1m|5m|60m|off SYMBOL...",
		Short: "Choose the minute bars collected for instruments (off: none)",
		Long: `Set the intraday interval archived for instruments besides their daily bars: the
after-close archive (job "intraday") then fetches each session's bars of that interval.
off stops it; stored minute bars are kept. Every symbol must be in the store, else
nothing changes.`,
		Example: `  marketd symbols intraday --source yahoo --interval 1m AAPL MSFT
  marketd symbols intraday --source naver --interval off 005930`,
		Args: usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			iv, err := parseIntradayFlag(interval)
			if err != nil {
				return err
			}
			if err := checkSource(source); err != nil {
				return err
			}
			keys := make([]market.Key, len(args))
			for i, s := range args {
				keys[i] = market.Key{Source: source, Symbol: normalizeSymbol(s)}
			}
			st, err := a.openStore(cmd.Context(), true)
			if err != nil {
				return err
			}
			n, err := setIntraday(cmd.Context(), st, keys, iv)
			if err != nil {
				return err
			}
			writeSummary(a.stdout, "symbols intraday: %s set to %s, %d already (%s)", plural(n, "instrument"), interval, len(keys)-n, source)
			return nil
		},
	}
	cmd.Flags().StringVar(&source, "source", "", "data `source`: yahoo or naver (required)")
	cmd.Flags().StringVar(&interval, "interval", "", "`interval` of the minute bars: 1m, 5m, 60m, or off (required)")
	return cmd
}

// parseIntradayFlag reads --intraday or --interval: 1m, 5m, 60m or off.
func parseIntradayFlag(s string) (market.Interval, error) {
	iv, err := market.ParseIntraday(s)
	if err != nil {
		return 0, usagef("--interval: %w", err)
	}
	return iv, nil
}

// setIntraday sets keys' interval, all or none: a key the store lacks is
// the user's mistake.
func setIntraday(ctx context.Context, st *store.Store, keys []market.Key, iv market.Interval) (int, error) {
	n, err := st.SetIntraday(ctx, keys, iv)
	if errors.Is(err, store.ErrNotFound) {
		return 0, usagef("symbols intraday: %v; nothing changed", err)
	}
	return n, err
}

func keysOf(insts []market.Instrument) []market.Key {
	keys := make([]market.Key, len(insts))
	for i, in := range insts {
		keys[i] = in.Key
	}
	return keys
}

// exportMinutes runs export --interval for symbols, checked and sorted.
func (a *app) exportMinutes(ctx context.Context, st *store.Store, fl exportFlags, symbols []string) error {
	iv, err := market.ParseInterval(fl.interval)
	if err != nil || !iv.Intraday() {
		return usagef("--interval %q: want 1m, 5m or 60m", fl.interval)
	}
	req := export.MinuteRequest{Source: fl.source, Symbols: symbols, Interval: iv, JSON: fl.format == "json"}
	// parseRange has checked the dates; an absent one leaves the range open.
	req.From, _ = market.ParseDate(fl.from)
	req.To, _ = market.ParseDate(fl.to)
	summary, err := export.RunMinutes(ctx, a.stdout, st, req)
	if err != nil {
		return err
	}
	writeSummary(a.stderr, "%s", summary)
	return nil
}
