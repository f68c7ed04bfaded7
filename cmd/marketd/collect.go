package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/marketd/marketd/cmd/marketd/internal/cli"
	"github.com/marketd/marketd/collector"
	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

func newCollectCmd(a *app) *cobra.Command {
	var sel selection
	cmd := &cobra.Command{
		Use:   "collect",
		Short: "Bring active instruments up to the last closed session",
		Long: `collect fetches every selected active instrument from its watermark (minus the
restatement window, collector.restatement_sessions) to the last closed session of its
market, and moves the watermark in the same transaction as the bars.

Exit code 0 when every instrument succeeded, 1 when any failed (everything that
succeeded is stored), 2 for usage errors, 130 when interrupted.`,
		Example: `  marketd collect
  marketd collect --source naver --market KOSPI
  marketd collect --source yahoo --symbols AAPL,MSFT`,
		Args: cli.Args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			filter, err := sel.filter(cmd.Context(), a, false)
			if err != nil {
				return err
			}
			c, err := a.newCollector(cmd.Context())
			if err != nil {
				return err
			}
			s, err := c.Collect(cmd.Context(), collector.CollectRequest{Filter: filter, Progress: collector.ProgressTo(a.stderr, cli.IsTerminal(a.stderr), a.log),
				Resume: cli.ResumeCommand(cmd, a.cfg.RedactString)})
			return s.Report(a.stdout, err)
		},
	}
	sel.flags(cmd, false)
	return cmd
}

// selection is the instrument selection flags collect and backfill share.
type selection struct {
	source, market string
	symbols        []string
	all            bool
}

func (s *selection) flags(cmd *cobra.Command, withAll bool) {
	f := cmd.Flags()
	f.StringVar(&s.source, "source", "", "only this `source`: yahoo or naver")
	f.StringSliceVar(&s.symbols, "symbols", nil, "only these `symbols` (comma-separated)")
	f.StringVar(&s.market, "market", "", "only this `market`: a MIC or name (XNYS, XKRX, KOSPI, KOSDAQ, JPX, LSE, XETRA, CRYPTO, ...; marketd calendar show lists them)")
	if withAll {
		f.BoolVar(&s.all, "all", false, "every active instrument")
	}
}

// filter checks the flags and turns them into the collector's filter.
func (s *selection) filter(ctx context.Context, a *app, needOne bool) (collector.Filter, error) {
	var f collector.Filter
	if s.source != "" {
		if err := checkSource(s.source); err != nil {
			return f, err
		}
		f.Source = s.source
	}
	if len(s.symbols) > 0 && s.market != "" {
		return f, cli.Usagef("--symbols and --market are exclusive")
	}
	if s.market != "" {
		mc, err := parseMarket(s.market)
		if err != nil {
			return f, err
		}
		f.Market, f.Board = mc.Code, mc.Board
	}
	if s.symbols != nil { // given, if empty
		var err error
		if f.Symbols, err = market.ParseSymbols(s.symbols); err != nil {
			return f, cli.Usagef("--symbols: %w", err)
		}
	}
	if needOne && !s.all && len(f.Symbols) == 0 && f.Market == "" && f.Source == "" {
		return f, cli.Usagef("say what to backfill: --symbols, --market, --source or --all")
	}
	if len(f.Symbols) == 0 && f.Board == "" {
		return f, nil // nothing to check in the store
	}
	st, err := a.openStore(ctx, true)
	if err != nil {
		return f, err
	}
	err = collector.CheckFilter(ctx, st, f)
	if unknown := (*store.UnknownSymbolsError)(nil); errors.As(err, &unknown) {
		return f, cli.Usagef("--symbols: no active instrument %s (see marketd symbols list)", strings.Join(unknown.Symbols, ", "))
	}
	if empty := (*collector.EmptyBoardError)(nil); errors.As(err, &empty) {
		return f, fmt.Errorf("--market %s: %w", s.market, err)
	}
	return f, err
}
