package collector

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

// Classifier tells what a symbol is from its source's own answer: its
// market, board, type, currency and name (yahoo.Source.Classify).
type Classifier interface {
	Classify(ctx context.Context, symbol string) (market.Instrument, error)
}

// InstrumentStore is the part of the store that adds and removes
// instruments.
type InstrumentStore interface {
	CheckSymbols(ctx context.Context, f store.InstrumentFilter) error
	AddInstruments(ctx context.Context, insts []market.Instrument) (store.AddResult, error)
	DeactivateInstruments(ctx context.Context, keys []market.Key) (int, error)
}

// NotAddedError is an AddInstruments that added nothing because some
// symbols were refused (the user's mistake: each says why) or their
// classification failed (a transport failure, in Failed).
type NotAddedError struct {
	Refused []string
	Failed  []error
}

func (e *NotAddedError) Error() string {
	msg := "nothing added"
	if len(e.Refused) > 0 {
		msg += ": " + strings.Join(e.Refused, "; ")
	}
	if len(e.Failed) > 0 {
		msg += ": " + errors.Join(e.Failed...).Error()
	}
	return msg
}

func (e *NotAddedError) Unwrap() []error { return e.Failed }

// AddInstruments adds insts, all of one source, or reactivates them. With
// a classifier, each instrument the store does not have yet is classified
// first, and takes its market (unless marketSaid: the user named it),
// board, type, currency and name from the answer; instruments the store
// has are passed on as given, adding them only reactivates.
//
// It is all or nothing: every symbol the classifier refuses is named in
// one *NotAddedError, and then nothing is added.
func AddInstruments(ctx context.Context, st InstrumentStore, c Classifier, insts []market.Instrument, marketSaid bool) (store.AddResult, error) {
	if c != nil && len(insts) > 0 {
		var err error
		if insts, err = classifyNew(ctx, st, c, insts, marketSaid); err != nil {
			return store.AddResult{}, err
		}
	}
	return st.AddInstruments(ctx, insts)
}

// AddSummary is symbols add's line for res, n instruments of source
// added with intraday interval iv: "symbols add: 1 added, 0 reactivated,
// 2 already active (naver); 1m minute bars archived for all 3". The
// interval is named because it changes the instruments already active too,
// which the counts alone would show as unchanged.
func AddSummary(res store.AddResult, source string, iv market.Interval, n int) string {
	line := fmt.Sprintf("symbols add: %d added, %d reactivated, %d already active (%s)", res.Added, res.Reactivated, res.Unchanged, source)
	if iv != 0 {
		line += fmt.Sprintf("; %s minute bars archived for all %d", iv, n)
	}
	return line
}

// classifyNew classifies the instruments the store does not have.
func classifyNew(ctx context.Context, st InstrumentStore, c Classifier, insts []market.Instrument, marketSaid bool) ([]market.Instrument, error) {
	syms := make([]string, len(insts))
	for i, in := range insts {
		syms[i] = in.Symbol
	}
	var missing []string
	unknown := (*store.UnknownSymbolsError)(nil)
	if err := st.CheckSymbols(ctx, store.InstrumentFilter{Source: insts[0].Source, Symbols: syms}); errors.As(err, &unknown) {
		missing = unknown.Symbols
	} else if err != nil {
		return nil, err
	}
	out := make([]market.Instrument, 0, len(insts))
	var no NotAddedError
	for _, in := range insts {
		if !slices.Contains(missing, in.Symbol) {
			out = append(out, in)
			continue
		}
		got, err := c.Classify(ctx, in.Symbol)
		var unregistered *market.UnregisteredExchangeError
		switch {
		case err == nil:
		case errors.As(err, &unregistered) && marketSaid:
			got = unregistered.Instrument
		case errors.As(err, &unregistered):
			no.Refused = append(no.Refused, fmt.Sprintf("%s trades on %s's exchange %s, which is not a market marketd knows: "+
				"add it with --market and the market whose calendar it follows", in.Symbol, unregistered.Site, unregistered.Exchange))
			continue
		case errors.Is(err, market.ErrNotFound):
			no.Refused = append(no.Refused, fmt.Sprintf("%s: %s does not know it", in.Symbol, in.Source))
			continue
		default:
			no.Failed = append(no.Failed, err)
			continue
		}
		if marketSaid {
			got.Market, got.Board = in.Market, in.Board
		}
		got.Intraday = in.Intraday // the user's choice, not the site's
		out = append(out, got)
	}
	if len(no.Refused) > 0 || len(no.Failed) > 0 {
		return nil, &no
	}
	return out, nil
}

// RemoveInstruments marks the source's symbols inactive, keeping their
// bars, and returns how many were active. A symbol the store does not
// have fails them all with a *store.UnknownSymbolsError: nothing changes.
func RemoveInstruments(ctx context.Context, st InstrumentStore, source string, symbols []string) (int, error) {
	if err := st.CheckSymbols(ctx, store.InstrumentFilter{Source: source, Symbols: symbols}); err != nil {
		return 0, err
	}
	keys := make([]market.Key, len(symbols))
	for i, s := range symbols {
		keys[i] = market.Key{Source: source, Symbol: s}
	}
	return st.DeactivateInstruments(ctx, keys)
}
