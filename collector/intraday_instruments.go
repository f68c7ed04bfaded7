package collector

import (
	"context"

	"github.com/marketd/marketd/sources/market"
)

// IntradaySetter is the part of the store SetIntraday uses.
type IntradaySetter interface {
	SetIntraday(ctx context.Context, keys []market.Key, iv market.Interval) (int, error)
}

// SetIntraday sets the intraday interval archived for source's symbols, as
// a user typed them (upper-cased, each once), all or none: a symbol the
// store lacks fails the call with store.ErrNotFound naming it. It returns
// how many instruments changed and how many were named.
func SetIntraday(ctx context.Context, st IntradaySetter, source string, symbols []string, iv market.Interval) (changed, named int, err error) {
	syms := market.NormalizeSymbols(symbols)
	keys := make([]market.Key, len(syms))
	for i, s := range syms {
		keys[i] = market.Key{Source: source, Symbol: s}
	}
	changed, err = st.SetIntraday(ctx, keys, iv)
	return changed, len(keys), err
}
