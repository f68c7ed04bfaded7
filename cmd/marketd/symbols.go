package main

import (
	"cmp"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/marketd/marketd/cmd/marketd/internal/cli"
	"github.com/marketd/marketd/cmd/marketd/internal/config"
	"github.com/marketd/marketd/collector"
	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

func newSymbolsCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "symbols",
		Short: "Add, list, remove and import the instruments marketd collects",
		Example: `  marketd symbols add --source yahoo AAPL MSFT
  marketd symbols import --market KOSPI
  marketd symbols list --source naver
  marketd symbols remove --source yahoo MSFT`,
		Args: cli.Args(cobra.NoArgs),
		RunE: cli.WhichCommand,
	}
	cmd.AddCommand(newSymbolsAddCmd(a), newSymbolsListCmd(a), newSymbolsRemoveCmd(a), newSymbolsImportCmd(a), newSymbolsIntradayCmd(a))
	return cmd
}

func newSymbolsAddCmd(a *app) *cobra.Command {
	var source, mkt, intraday string
	cmd := &cobra.Command{
		Use:   "add --source yahoo|naver [--market M] [--intraday 1m|5m|60m] SYMBOL...",
		Short: "Add instruments, or reactivate removed ones",
		Long: `Add instruments to collect. Adding one that exists changes nothing; adding one that was
removed makes it active again. Yahoo symbols are stored as Yahoo spells them (AAPL,
005930.KS, 7203.T, BTC-USD, KRW=X, ^N225); with --market KOSPI or KOSDAQ a 6-character
KRX code becomes CODE.KS or CODE.KQ. Naver symbols are 6-character KRX codes: digits and
capital letters, a digit first (005930, 0193T0).

Each new Yahoo symbol is classified from Yahoo's own answer: one chart request (through
the source's rate limit) whose meta gives the exchange, the instrument type (EQUITY, ETF,
INDEX, MUTUALFUND, CURRENCY, CRYPTOCURRENCY, FUTURE), the currency and the name. The
market is the one marketd registers for Yahoo's exchange code (NMS is XNYS, JPX XTKS,
GER XETR, CCC CRYPTO, CCY FX, ...), or else for the symbol's suffix. --market overrides
the market (NYSE, NASDAQ and US are XNYS; JPX and TSE XTKS; LSE XLON; XETRA XETR; ...).
A symbol Yahoo does not know, or one on an exchange marketd has no market for (unless
--market says which), is refused; all refused symbols are named at once and nothing is
added. Naver instruments are XKRX. --intraday also archives their minute bars of that
interval, on those already there too (symbols intraday changes it).`,
		Example: `  marketd symbols add --source naver --market KOSPI 005930 000660
  marketd symbols add --source yahoo AAPL BRK-B 7203.T SAP.DE BTC-USD KRW=X ^N225
  marketd symbols add --source yahoo --market KOSDAQ 373220`,
		Args: cli.Args(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			iv, err := parseIntradayFlag("--intraday", source, cmp.Or(intraday, "off"))
			if err != nil {
				return err
			}
			insts, err := newInstruments(source, mkt, args)
			if err != nil {
				return err
			}
			for i := range insts {
				insts[i].Intraday = iv // set on the instruments already there too
			}
			w, err := a.wire(cmd.Context())
			if err != nil {
				return err
			}
			res, err := collector.AddInstruments(cmd.Context(), w.Store, w.Classifier(source), insts, mkt != "")
			if na := (*collector.NotAddedError)(nil); errors.As(err, &na) {
				if len(na.Failed) > 0 { // a transport failure is not the user's mistake: a runtime error
					return fmt.Errorf("symbols add: %w", err)
				}
				return cli.Usagef("symbols add: %v", err)
			}
			if err != nil {
				return err
			}
			writeSummary(a.stdout, "%s", collector.AddSummary(res, source, iv, len(insts)))
			return nil
		},
	}
	cmd.Flags().StringVar(&source, "source", "", "data `source`: yahoo or naver (required)")
	cmd.Flags().StringVar(&intraday, "intraday", "", "also archive their minute bars of this `interval`: 1m, 5m or 60m")
	cmd.Flags().StringVar(&mkt, "market", "", "`market` of the symbols, overriding Yahoo's: a MIC (XNYS, XKRX, XTKS, ...) or a name (KOSPI, KOSDAQ, NYSE, JPX, LSE, XETRA, ...)")
	return cmd
}

// newInstruments turns command-line symbols into instruments of source
// (config.Site.Instruments), wording a refusal as a usage error.
func newInstruments(source, mkt string, symbols []string) ([]market.Instrument, error) {
	src, err := siteNamed("--source", source)
	if err != nil {
		return nil, err
	}
	var mc market.Choice
	if mkt != "" {
		if mc, err = parseMarket(mkt); err != nil {
			return nil, err
		}
	}
	insts, err := src.Instruments(symbols, mc.Code, mc.Board)
	var bad *config.SymbolError
	switch {
	case errors.As(err, &bad) && errors.Is(err, market.ErrInvalidSymbol):
		return nil, cli.Usagef("%s symbol: %w", source, err)
	case errors.As(err, &bad) && src.Refusal(bad.Raw, mkt, bad.Err) != "":
		return nil, cli.Usagef("%s", src.Refusal(bad.Raw, mkt, bad.Err))
	case errors.As(err, &bad):
		return nil, cli.Usage(bad.Err)
	}
	return insts, err
}

func newSymbolsListCmd(a *app) *cobra.Command {
	var source, mkt string
	var activeOnly bool
	cmd := &cobra.Command{
		Use:   "list [--source S] [--market M] [--active]",
		Short: "List the instruments in the store",
		Long:  "List instruments as a table on stdout; the summary line goes to stderr.",
		Example: `  marketd symbols list
  marketd symbols list --source naver --active`,
		Args: cli.Args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if source != "" {
				if err := checkSource(source); err != nil {
					return err
				}
			}
			f := store.InstrumentFilter{Source: source, ActiveOnly: activeOnly}
			if mkt != "" {
				c, err := parseMarket(mkt)
				if err != nil {
					return err
				}
				f.Market, f.Board = c.Code, c.Board
			}
			st, err := a.openStore(cmd.Context(), true)
			if err != nil {
				return err
			}
			insts, err := st.Instruments(cmd.Context(), f)
			if err != nil {
				return err
			}
			active, err := market.WriteInstruments(a.stdout, insts)
			if err != nil {
				return err
			}
			writeSummary(a.stderr, "symbols list: %s, %d active", cli.Plural(len(insts), "instrument"), active)
			return nil
		},
	}
	cmd.Flags().StringVar(&source, "source", "", "only this `source`: yahoo or naver")
	cmd.Flags().StringVar(&mkt, "market", "", "only this `market`: a MIC (XKRX, XNYS, XTKS, ...), a name, or a KRX board (KOSPI, KOSDAQ)")
	cmd.Flags().BoolVar(&activeOnly, "active", false, "only active instruments")
	return cmd
}

func newSymbolsRemoveCmd(a *app) *cobra.Command {
	var source string
	cmd := &cobra.Command{
		Use:   "remove --source S SYMBOL...",
		Short: "Stop collecting instruments (their bars are kept)",
		Long: `Mark instruments inactive: collection stops, stored bars stay. symbols add makes them
active again. Symbols the store does not know are an error and nothing is changed.`,
		Example: `  marketd symbols remove --source yahoo MSFT
  marketd symbols remove --source naver 005930 000660`,
		Args: cli.Args(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkSource(source); err != nil {
				return err
			}
			symbols := market.NormalizeSymbols(args)
			if len(symbols) == 0 {
				return cli.Usagef("symbols remove: give at least one SYMBOL")
			}
			st, err := a.openStore(cmd.Context(), true)
			if err != nil {
				return err
			}
			n, err := collector.RemoveInstruments(cmd.Context(), st, source, symbols)
			if unknown := (*store.UnknownSymbolsError)(nil); errors.As(err, &unknown) {
				return cli.Usagef("symbols remove: %v; nothing changed", err)
			}
			if err != nil {
				return err
			}
			writeSummary(a.stdout, "symbols remove: %d marked inactive, %d already inactive (%s; bars kept)",
				n, len(symbols)-n, source)
			return nil
		},
	}
	cmd.Flags().StringVar(&source, "source", "", "data `source`: yahoo or naver (required)")
	return cmd
}
