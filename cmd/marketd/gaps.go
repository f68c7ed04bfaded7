package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/market/calendar"
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
		RunE: whichCommand,
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
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			opt := validation{lookback: lookback}
			if !cmd.Flags().Changed("lookback") {
				opt.lookback = a.cfg.Validate.Lookback
			} else if lookback < 0 {
				return usagef("--lookback %d: want a number of sessions, or 0 for the whole history", lookback)
			}
			chosen, err := parseMarkets(markets)
			if err != nil {
				return err
			}
			opt.markets = chosen.codes()
			report, err := a.validateOnce(cmd.Context(), opt)
			if err != nil {
				return err
			}
			st, err := a.openStore(cmd.Context(), true)
			if err != nil {
				return err
			}
			concerns, err := gapsConcern(cmd.Context(), st, chosen)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, gapsRow, "KIND", "WHO", "DATES", "SESSIONS", "DETAIL")
			gaps, bad := writeGaps(a.stdout, report.Problems, concerns)
			acks, err := st.Acks(cmd.Context())
			if err != nil {
				return err
			}
			shown := 0
			for _, ack := range acks {
				if !concerns(market.Key{Source: ack.Source, Symbol: ack.Symbol}, "") {
					continue
				}
				shown++
				fmt.Fprintf(a.stdout, gapsRow, "acknowledged", ack.Source+" "+ack.Symbol, dateRange(ack.From, ack.To), "", ack.Reason)
			}
			open := fmt.Sprintf("%d open gaps or stale instruments", gaps)
			if gaps == 1 {
				open = "1 open gap or stale instrument"
			}
			writeSummary(a.stderr, "%s, %s, %d acknowledged", open, plural(bad, "bad bar"), shown)
			return nil
		},
	}
	cmd.Flags().StringSliceVar(&markets, "market", nil, "only these `markets`: MICs or names (XKRX, KOSPI, KOSDAQ, XNYS, JPX, LSE, ...; marketd calendar show lists them)")
	cmd.Flags().IntVar(&lookback, "lookback", 0, "`sessions` to check, 0 for the whole history (default validate.lookback)")
	return cmd
}

// gapsConcern returns whether a problem of an instrument (or, with no
// symbol, of a market's pass) is among the chosen markets. The validator
// checks whole exchanges; a board narrows what is shown.
func gapsConcern(ctx context.Context, st *store.Store, chosen marketChoices) (func(k market.Key, mkt string) bool, error) {
	if len(chosen) == 0 {
		return func(market.Key, string) bool { return true }, nil
	}
	insts, err := instrumentsByKey(ctx, st)
	if err != nil {
		return nil, err
	}
	return func(k market.Key, mkt string) bool {
		if k.Symbol == "" {
			return chosen.hasExchange(mkt)
		}
		in, ok := insts[k]
		return ok && chosen.has(in)
	}, nil
}

// writeGaps writes the problems gaps ack settles that concern the chosen
// markets, and counts the gaps (and stale instruments) and bad bars.
func writeGaps(w io.Writer, problems []validate.Problem, concerns func(market.Key, string) bool) (gaps, bad int) {
	for _, p := range problems {
		switch p.Kind {
		case validate.KindGap, validate.KindStale, validate.KindMarketMissing, validate.KindDrift, validate.KindBadBar:
		default:
			continue // not something gaps ack settles
		}
		if !concerns(p.Key, p.Market) {
			continue
		}
		sessions := strconv.Itoa(p.Sessions)
		if p.Kind == validate.KindBadBar {
			bad++
			sessions = "" // one bar, not a range of sessions
		} else {
			gaps++
		}
		fmt.Fprintf(w, gapsRow, p.Kind, p.Who(), p.Dates(), sessions, p.Detail)
	}
	return gaps, bad
}

// gapsRow lays out a gaps list line: kind, who, dates, sessions, detail.
const gapsRow = "%-20s %-16s %-22s %8s  %s\n"

// instrumentsByKey returns every stored instrument by key.
func instrumentsByKey(ctx context.Context, st *store.Store) (map[market.Key]market.Instrument, error) {
	insts, err := st.Instruments(ctx, store.InstrumentFilter{})
	if err != nil {
		return nil, err
	}
	out := make(map[market.Key]market.Instrument, len(insts))
	for _, in := range insts {
		out[in.Key] = in
	}
	return out, nil
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
			if err := a.checkAckable(cmd.Context(), st, key, from, to); err != nil {
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
		Use:   "unack SOURCE SYMBOL DATE[..DATE]",
		Short: "Undo acknowledgements overlapping the dates: they are reported again",
		Example: `  marketd gaps ack naver 005930 2026-11-02..2026-11-06 --reason "not served by Naver"
  marketd gaps unack naver 005930 2026-11-02`,
		Args: usageArgs(cobra.ExactArgs(3)),
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
			writeSummary(a.stdout, "removed %s of %s %s", plural(n, "acknowledgement"), key.Source, key.Symbol)
			return nil
		},
	}
}

// checkAckable refuses to acknowledge what cannot be a problem: an
// instrument the store does not have, or dates validate.CheckAck refuses.
func (a *app) checkAckable(ctx context.Context, st *store.Store, key market.Key, from, to market.Date) error {
	insts, err := st.Instruments(ctx, store.InstrumentFilter{Source: key.Source, Symbols: []string{key.Symbol}})
	if err != nil {
		return err
	}
	if len(insts) == 0 {
		return usagef("gaps ack: %s has no %s (see marketd symbols list); nothing acknowledged", key.Source, key.Symbol)
	}
	var cal validate.AckCalendar
	switch c, err := book(a.cfg, st).For(ctx, insts[0].Market); {
	case errors.Is(err, calendar.ErrNoTable):
	case err != nil:
		return err
	default:
		cal = c
	}
	err = validate.CheckAck(ctx, cal, st, insts[0], from, to)
	if na := (*validate.NotAckableError)(nil); errors.As(err, &na) {
		return usagef("gaps ack: %v; nothing acknowledged", err)
	}
	return err
}

// ackArgs reads SOURCE SYMBOL DATE[..DATE].
func ackArgs(args []string) (market.Key, market.Date, market.Date, error) {
	if err := checkSourceArg("SOURCE", args[0]); err != nil {
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
