package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/yahoo"
	"github.com/marketd/marketd/store"
)

// classifyNew asks the source what each instrument the store does not
// have yet is, and takes its market (unless the user said one with
// --market), board, type, currency and name from the answer. Symbols the
// store has are passed on as given: adding them only reactivates.
//
// symbols add is all or nothing: every symbol the source refuses is named
// in one error, and then no instrument is returned.
func classifyNew(ctx context.Context, c classifier, st *store.Store, insts []market.Instrument, marketSaid bool) ([]market.Instrument, error) {
	if len(insts) == 0 {
		return nil, nil
	}
	syms := make([]string, len(insts))
	for i, in := range insts {
		syms[i] = in.Symbol
	}
	known, err := st.Instruments(ctx, store.InstrumentFilter{Source: insts[0].Source, Symbols: syms})
	if err != nil {
		return nil, err
	}
	have := make(map[string]bool, len(known))
	for _, in := range known {
		have[in.Symbol] = true
	}
	out := make([]market.Instrument, 0, len(insts))
	var refused []string
	var failed []error
	for _, in := range insts {
		if have[in.Symbol] {
			out = append(out, in)
			continue
		}
		got, err := c.Classify(ctx, in.Symbol)
		var unregistered *yahoo.UnregisteredExchangeError
		switch {
		case err == nil:
		case errors.As(err, &unregistered) && marketSaid:
			got = unregistered.Instrument
		case errors.As(err, &unregistered):
			refused = append(refused, fmt.Sprintf("%s trades on Yahoo's exchange %s, which is not a market marketd knows: "+
				"add it with --market and the market whose calendar it follows", in.Symbol, unregistered.Exchange))
			continue
		case errors.Is(err, market.ErrNotFound):
			refused = append(refused, fmt.Sprintf("%s: %s does not know it", in.Symbol, in.Source))
			continue
		default:
			failed = append(failed, err)
			continue
		}
		if marketSaid {
			got.Market, got.Board = in.Market, in.Board
		}
		out = append(out, got)
	}
	if len(refused) == 0 && len(failed) == 0 {
		return out, nil
	}
	msg := "symbols add: nothing added: " + strings.Join(refused, "; ")
	if len(failed) == 0 {
		return nil, usagef("%s", msg)
	}
	if len(refused) == 0 {
		msg = "symbols add: nothing added"
	}
	// A transport failure is not the user's mistake: a runtime error.
	return nil, fmt.Errorf("%s: %w", msg, errors.Join(failed...))
}
