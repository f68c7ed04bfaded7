package main

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/naver"
	"github.com/marketd/marketd/sources/yahoo"
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
		Args: usageArgs(cobra.NoArgs),
		RunE: whichCommand,
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
interval (symbols intraday changes it).`,
		Example: `  marketd symbols add --source naver --market KOSPI 005930 000660
  marketd symbols add --source yahoo AAPL BRK-B 7203.T SAP.DE BTC-USD KRW=X ^N225
  marketd symbols add --source yahoo --market KOSDAQ 373220`,
		Args: usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			iv, err := parseIntradayFlag(cmp.Or(intraday, "off"))
			if err != nil {
				return err
			}
			insts, err := newInstruments(source, mkt, args)
			if err != nil {
				return err
			}
			w, err := a.wire(cmd.Context())
			if err != nil {
				return err
			}
			st := w.store
			if c := w.classifier(source); c != nil {
				if insts, err = classifyNew(cmd.Context(), c, st, insts, mkt != ""); err != nil {
					return err
				}
			}
			res, err := st.AddInstruments(cmd.Context(), insts)
			if err != nil {
				return err
			}
			if iv != 0 {
				if _, err := setIntraday(cmd.Context(), st, keysOf(insts), iv); err != nil {
					return err
				}
			}
			writeSummary(a.stdout, "symbols add: %d added, %d reactivated, %d already active (%s)",
				res.Added, res.Reactivated, res.Unchanged, source)
			return nil
		},
	}
	cmd.Flags().StringVar(&source, "source", "", "data `source`: yahoo or naver (required)")
	cmd.Flags().StringVar(&intraday, "intraday", "", "also archive their minute bars of this `interval`: 1m, 5m or 60m")
	cmd.Flags().StringVar(&mkt, "market", "", "`market` of the symbols, overriding Yahoo's: a MIC (XNYS, XKRX, XTKS, ...) or a name (KOSPI, KOSDAQ, NYSE, JPX, LSE, XETRA, ...)")
	return cmd
}

// newInstruments turns command-line symbols into instruments, rejecting
// the first symbol the source cannot have.
func newInstruments(source, mkt string, symbols []string) ([]market.Instrument, error) {
	src, err := siteNamed("--source", source)
	if err != nil {
		return nil, err
	}
	var mc marketChoice
	if mkt != "" {
		if mc, err = parseMarket(mkt); err != nil {
			return nil, err
		}
	}
	var out []market.Instrument
	seen := map[string]bool{}
	for _, raw := range symbols {
		sym := normalizeSymbol(raw)
		if err := market.CheckSymbol(sym); err != nil {
			return nil, usagef("%s symbol: %w", source, err)
		}
		in, err := src.newInstrument(sym, mc.code, mc.board)
		if err != nil {
			return nil, symbolUsage(raw, mkt, err)
		}
		if !seen[in.Symbol] {
			seen[in.Symbol] = true
			out = append(out, in)
		}
	}
	return out, nil
}

// symbolUsage words a source's refusal of raw, given with --market mkt,
// as the remedy on marketd's command line.
func symbolUsage(raw, mkt string, err error) error {
	switch {
	case errors.Is(err, naver.ErrNotXKRX):
		return usagef("--market %s: naver has Korean (XKRX) instruments only", mkt)
	case errors.Is(err, naver.ErrNotCode):
		return usagef("naver symbol %q: want a 6-character KRX code such as 005930", raw)
	case errors.Is(err, yahoo.ErrNotSymbol):
		return usagef("yahoo symbol %q: not a Yahoo symbol", raw)
	case errors.Is(err, yahoo.ErrNotKRX):
		return usagef("yahoo symbol %q: --market %s wants 6-character KRX codes or CODE.KS/CODE.KQ", raw, mkt)
	case errors.Is(err, yahoo.ErrNeedsBoard):
		return usagef("yahoo symbol %q: a KRX code; use --market KOSPI or KOSDAQ so it becomes CODE.KS or CODE.KQ", raw)
	}
	return usageError{err}
}

// normalizeSymbol upper-cases a symbol: both sites spell symbols in
// capitals, and "aapl" stored beside "AAPL" would be one stock twice.
func normalizeSymbol(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

func newSymbolsListCmd(a *app) *cobra.Command {
	var source, mkt string
	var activeOnly bool
	cmd := &cobra.Command{
		Use:   "list [--source S] [--market M] [--active]",
		Short: "List the instruments in the store",
		Long:  "List instruments as a table on stdout; the summary line goes to stderr.",
		Example: `  marketd symbols list
  marketd symbols list --source naver --active`,
		Args: usageArgs(cobra.NoArgs),
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
				f.Market, f.Board = c.code, c.board
			}
			st, err := a.openStore(cmd.Context(), true)
			if err != nil {
				return err
			}
			insts, err := st.Instruments(cmd.Context(), f)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SOURCE\tSYMBOL\tMARKET\tBOARD\tTYPE\tCURRENCY\tACTIVE\tNAME")
			active := 0
			for _, in := range insts {
				if in.Active {
					active++
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%t\t%s\n", in.Source, in.Symbol, in.Market, in.Board, in.Type, in.Currency, in.Active, in.Name)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			writeSummary(a.stderr, "symbols list: %s, %d active", plural(len(insts), "instrument"), active)
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
		Args: usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkSource(source); err != nil {
				return err
			}
			var symbols []string
			for _, s := range args {
				if s = normalizeSymbol(s); !slices.Contains(symbols, s) {
					symbols = append(symbols, s)
				}
			}
			st, err := a.openStore(cmd.Context(), true)
			if err != nil {
				return err
			}
			known, err := st.Instruments(cmd.Context(), store.InstrumentFilter{Source: source, Symbols: symbols})
			if err != nil {
				return err
			}
			if missing := missingSymbols(symbols, known); len(missing) > 0 {
				return usagef("symbols remove: %s has no %s; nothing changed", source, strings.Join(missing, ", "))
			}
			keys := make([]market.Key, len(symbols))
			for i, s := range symbols {
				keys[i] = market.Key{Source: source, Symbol: s}
			}
			n, err := st.DeactivateInstruments(cmd.Context(), keys)
			if err != nil {
				return err
			}
			writeSummary(a.stdout, "symbols remove: %d marked inactive, %d already inactive (%s; bars kept)",
				n, len(keys)-n, source)
			return nil
		},
	}
	cmd.Flags().StringVar(&source, "source", "", "data `source`: yahoo or naver (required)")
	return cmd
}

// missingSymbols returns the symbols not among known, in the order given.
func missingSymbols(symbols []string, known []market.Instrument) []string {
	have := map[string]bool{}
	for _, in := range known {
		have[in.Symbol] = true
	}
	var missing []string
	for _, s := range symbols {
		if !have[s] {
			missing = append(missing, s)
		}
	}
	return missing
}
