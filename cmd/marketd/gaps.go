package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
	"github.com/marketd/marketd/validate"
)

func newGapsCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "gaps",
		Short: "List missing sessions and acknowledge the ones a source will never have",
		Example: `  marketd gaps list --market XKRX
  marketd gaps ack naver 005930 2026-11-02..2026-11-06 --reason "not served by Naver"
  marketd gaps unack naver 005930 2026-11-02`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error { return usagef("gaps: say list, ack or unack") },
	}
	cmd.AddCommand(newGapsListCmd(a), newGapsAckCmd(a), newGapsUnackCmd(a))
	return cmd
}

func newGapsListCmd(a *app) *cobra.Command {
	var markets []string
	var lookback int
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List gaps and stale instruments (no repair, no email) and the acknowledged ones",
		Example: `  marketd gaps list
  marketd gaps list --market XKRX --lookback 250`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			opt := validation{lookback: lookback}
			if !cmd.Flags().Changed("lookback") {
				opt.lookback = a.cfg.Validate.Lookback
			}
			for _, m := range markets {
				mk, err := market.LookupMarket(strings.ToUpper(m))
				if err != nil {
					return usagef("--market: %v", err)
				}
				opt.markets = append(opt.markets, mk.Code)
			}
			report, err := a.validateOnce(cmd.Context(), opt)
			if err != nil {
				return err
			}
			n := 0
			for _, p := range report.Problems {
				switch p.Kind {
				case validate.KindGap, validate.KindStale, validate.KindMarketMissing, validate.KindDrift:
					n++
					fmt.Fprintf(a.stdout, "%-20s %-16s %-22s %3d  %s\n", p.Kind, p.Who(), p.Dates(), p.Sessions, p.Detail)
				}
			}
			st, err := a.openStore(cmd.Context(), true)
			if err != nil {
				return err
			}
			acks, err := st.Acks(cmd.Context())
			if err != nil {
				return err
			}
			for _, ack := range acks {
				fmt.Fprintf(a.stdout, "%-20s %-16s %-22s       %s\n", "acknowledged", ack.Source+" "+ack.Symbol,
					dateRange(ack.From, ack.To), ack.Reason)
			}
			writeSummary(a.stderr, "%d open gaps or stale instruments, %d acknowledged", n, len(acks))
			return nil
		},
	}
	cmd.Flags().StringSliceVar(&markets, "market", nil, "only these `markets` (XKRX, XNYS)")
	cmd.Flags().IntVar(&lookback, "lookback", 30, "`sessions` to check (default validate.lookback)")
	return cmd
}

func newGapsAckCmd(a *app) *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:   "ack SOURCE SYMBOL DATE[..DATE]",
		Short: "Acknowledge a gap or bad bar: kept with its reason, no longer reported",
		Example: `  marketd gaps ack naver 005930 2026-11-02..2026-11-06 --reason "not served by Naver"
  marketd gaps ack yahoo AAPL 2026-03-12 --reason "bad print, confirmed with the exchange"`,
		Args: usageArgs(cobra.ExactArgs(3)),
		RunE: func(cmd *cobra.Command, args []string) error {
			key, from, to, err := ackArgs(args)
			if err != nil {
				return err
			}
			if strings.TrimSpace(reason) == "" {
				return usagef("--reason is required: say why the data will never come")
			}
			st, err := a.openStore(cmd.Context(), true)
			if err != nil {
				return err
			}
			if err := st.AddAck(cmd.Context(), store.Ack{Source: key.Source, Symbol: key.Symbol, From: from, To: to, Reason: reason}); err != nil {
				return err
			}
			writeSummary(a.stdout, "acknowledged %s %s %s: %s", key.Source, key.Symbol, dateRange(from, to), reason)
			return nil
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why the data will never come (required)")
	return cmd
}

func newGapsUnackCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "unack SOURCE SYMBOL DATE[..DATE]",
		Short:   "Undo acknowledgements overlapping the dates: they are reported again",
		Example: `  marketd gaps unack naver 005930 2026-11-02`,
		Args:    usageArgs(cobra.ExactArgs(3)),
		RunE: func(cmd *cobra.Command, args []string) error {
			key, from, to, err := ackArgs(args)
			if err != nil {
				return err
			}
			st, err := a.openStore(cmd.Context(), true)
			if err != nil {
				return err
			}
			n, err := st.RemoveAcks(cmd.Context(), key, from, to)
			if err != nil {
				return err
			}
			if n == 0 {
				return usagef("no acknowledgement of %s %s overlaps %s", key.Source, key.Symbol, dateRange(from, to))
			}
			writeSummary(a.stdout, "removed %d acknowledgements of %s %s", n, key.Source, key.Symbol)
			return nil
		},
	}
}

// ackArgs reads SOURCE SYMBOL DATE[..DATE].
func ackArgs(args []string) (market.Key, market.Date, market.Date, error) {
	if err := checkSource(args[0]); err != nil {
		return market.Key{}, 0, 0, err
	}
	key := market.Key{Source: args[0], Symbol: normalizeSymbol(args[1])}
	first, last, isRange := strings.Cut(args[2], "..")
	from, err := market.ParseDate(first)
	if err != nil {
		return key, 0, 0, usagef("%v", err)
	}
	to := from
	if isRange {
		if to, err = market.ParseDate(last); err != nil {
			return key, 0, 0, usagef("%v", err)
		}
	}
	if to < from {
		return key, 0, 0, usagef("date range %s ends before it starts", args[2])
	}
	return key, from, to, nil
}

func dateRange(from, to market.Date) string {
	if from == to {
		return from.String()
	}
	return from.String() + ".." + to.String()
}
