package main

import (
	"errors"
	"strings"

	"github.com/spf13/cobra"

	"github.com/marketd/marketd/cmd/marketd/internal/cli"
	"github.com/marketd/marketd/cmd/marketd/internal/config"
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
		Args: cli.Args(cobra.NoArgs),
		RunE: cli.WhichCommand,
	}
	cmd.AddCommand(newGapsListCmd(a), newGapsAckCmd(a), newGapsUnackCmd(a))
	return cmd
}

func newGapsListCmd(a *app) *cobra.Command {
	var markets []string
	var lookback int
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List gaps, stale instruments and bad bars (no repair, no email) and the acknowledged ones",
		Example: `  marketd gaps list
  marketd gaps list --market XKRX --lookback 250`,
		Args: cli.Args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			opt := config.Validation{Lookback: lookback}
			if !cmd.Flags().Changed("lookback") {
				opt.Lookback = a.cfg.Validate.Lookback
			} else if lookback < 0 {
				return cli.Usagef("--lookback %d: want a number of sessions, or 0 for the whole history", lookback)
			}
			chosen, err := parseMarkets(markets)
			if err != nil {
				return err
			}
			opt.Markets = chosen.Codes()
			report, err := a.validateOnce(cmd.Context(), opt)
			if err != nil {
				return err
			}
			list, err := validate.ListGaps(cmd.Context(), a.store, report, chosen)
			if err != nil {
				return err
			}
			if err := list.WriteText(a.stdout); err != nil {
				return err
			}
			writeSummary(a.stderr, "%s", list.Summary())
			return nil
		},
	}
	cmd.Flags().StringSliceVar(&markets, "market", nil, "only these `markets`: MICs or names (XKRX, KOSPI, KOSDAQ, XNYS, JPX, LSE, ...; marketd calendar show lists them)")
	cmd.Flags().IntVar(&lookback, "lookback", 0, "`sessions` to check, 0 for the whole history (default validate.lookback)")
	return cmd
}

func newGapsAckCmd(a *app) *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:   "ack SOURCE SYMBOL DATE[..DATE]",
		Short: "Acknowledge a gap or bad bar: kept with its reason, no longer reported",
		Example: `  marketd gaps ack naver 005930 2026-11-02..2026-11-06 --reason "not served by Naver"
  marketd gaps ack yahoo AAPL 2026-03-12 --reason "bad print, confirmed with the exchange"`,
		Args: cli.Args(cobra.ExactArgs(3)),
		RunE: func(cmd *cobra.Command, args []string) error {
			key, from, to, err := ackArgs(args)
			if err != nil {
				return err
			}
			if strings.TrimSpace(reason) == "" {
				return cli.Usagef("--reason is required: say why the data will never come")
			}
			st, err := a.openStore(cmd.Context(), true)
			if err != nil {
				return err
			}
			err = validate.Acknowledge(cmd.Context(), a.cfg.ValidateCalendars(st), st,
				store.Ack{Source: key.Source, Symbol: key.Symbol, From: from, To: to, Reason: reason})
			na, unknown := (*validate.NotAckableError)(nil), (*validate.UnknownInstrumentError)(nil)
			if errors.As(err, &na) || errors.As(err, &unknown) {
				return cli.Usagef("gaps ack: %v; nothing acknowledged", err)
			}
			if err != nil {
				return err
			}
			writeSummary(a.stdout, "acknowledged %s %s %s: %s", key.Source, key.Symbol, market.FormatDateRange(from, to), reason)
			return nil
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why the data will never come (required)")
	return cmd
}

func newGapsUnackCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "unack SOURCE SYMBOL DATE[..DATE]",
		Short: "Undo acknowledgements overlapping the dates: they are reported again",
		Example: `  marketd gaps ack naver 005930 2026-11-02..2026-11-06 --reason "not served by Naver"
  marketd gaps unack naver 005930 2026-11-02`,
		Args: cli.Args(cobra.ExactArgs(3)),
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
				return cli.Usagef("no acknowledgement of %s %s overlaps %s", key.Source, key.Symbol, market.FormatDateRange(from, to))
			}
			writeSummary(a.stdout, "removed %s of %s %s", cli.Plural(n, "acknowledgement"), key.Source, key.Symbol)
			return nil
		},
	}
}

// ackArgs reads SOURCE SYMBOL DATE[..DATE].
func ackArgs(args []string) (market.Key, market.Date, market.Date, error) {
	if _, err := siteNamed("SOURCE", args[0]); err != nil {
		return market.Key{}, 0, 0, err
	}
	key := market.Key{Source: args[0], Symbol: market.NormalizeSymbol(args[1])}
	from, to, err := market.ParseDateRange(args[2])
	if err != nil {
		return key, 0, 0, cli.Usagef("%v", err)
	}
	return key, from, to, nil
}
