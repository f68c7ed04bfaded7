package collector

import (
	"context"
	"fmt"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

// FilterStore is what CheckFilter reads.
type FilterStore interface {
	Instruments(ctx context.Context, f store.InstrumentFilter) ([]market.Instrument, error)
	CheckSymbols(ctx context.Context, f store.InstrumentFilter) error
}

// EmptyBoardError is a board on which no active instrument (of the
// source, when one is named) trades.
type EmptyBoardError struct{ Source, Board string }

func (e *EmptyBoardError) Error() string {
	if e.Source != "" {
		return fmt.Sprintf("%s has no active %s instruments", e.Source, e.Board)
	}
	return fmt.Sprintf("no active %s instruments", e.Board)
}

// CheckFilter refuses a filter that selects nothing by mistake: symbols
// the store does not have active (a *store.UnknownSymbolsError naming
// each) or a board nothing active trades on (*EmptyBoardError). A typo
// must not pass for an empty run that reports ok.
func CheckFilter(ctx context.Context, st FilterStore, f Filter) error {
	if len(f.Symbols) > 0 {
		if err := st.CheckSymbols(ctx, store.InstrumentFilter{Source: f.Source, Symbols: f.Symbols, ActiveOnly: true}); err != nil {
			return err
		}
	}
	if f.Board == "" {
		return nil
	}
	insts, err := st.Instruments(ctx, store.InstrumentFilter{Source: f.Source, Market: f.Market, Board: f.Board, ActiveOnly: true})
	if err != nil {
		return err
	}
	if len(insts) == 0 {
		return &EmptyBoardError{Source: f.Source, Board: f.Board}
	}
	return nil
}
