package yahoo

import (
	"cmp"
	"context"
	"errors"
	"strings"

	"github.com/piquette/finance-go/form"

	"github.com/marketd/marketd/sources/market"
)

// Classify asks Yahoo what symbol is, with one chart request for its last
// five sessions through the source's client (so through the host's rate
// limit): the response's meta names the exchange, the instrument type,
// the currency and the name. The market is the registry's for Yahoo's
// exchange code, or else for the symbol's suffix; a KRX instrument gets
// its board from the suffix (.KS, .KQ) or the exchange code (KSC, KOE).
//
// Errors wrap market.ErrNotFound when Yahoo does not know the symbol, are
// a *market.UnregisteredExchangeError when its exchange is not in the registry,
// or are the transport's errors.
func (s *Source) Classify(ctx context.Context, symbol string) (market.Instrument, error) {
	if symbol == "" {
		return market.Instrument{}, errors.New("yahoo: classify: no symbol")
	}
	var v form.Values
	v.Add("range", "5d")
	v.Add("interval", "1d")
	var env envelope
	if err := s.backend.Call(chartPath(symbol), &v, &ctx, &env); err != nil {
		return market.Instrument{}, callError(symbol, err)
	}
	if e := env.Chart.Error; e != nil {
		return market.Instrument{}, e.err(symbol)
	}
	if len(env.Chart.Result) == 0 || env.Chart.Result[0] == nil {
		return market.Instrument{}, malformed(symbol, "neither chart.result nor chart.error")
	}
	return classify(symbol, env.Chart.Result[0].Meta)
}

// classify turns a chart meta into the instrument it describes.
func classify(symbol string, m chartMeta) (market.Instrument, error) {
	in := market.Instrument{
		Key:    market.Key{Source: market.SourceYahoo, Symbol: symbol},
		Type:   strings.ToUpper(m.InstrumentType),
		Active: true, Currency: m.Currency,
		Name: strings.TrimSpace(cmp.Or(m.LongName, m.ShortName)),
	}
	mkt, err := market.MarketOfYahooExchange(m.ExchangeName)
	if err != nil {
		if mkt, err = market.MarketOfYahooSymbol(symbol); err != nil {
			if m.ExchangeName == "" {
				return market.Instrument{}, malformed(symbol, "meta has no exchangeName and the symbol no market suffix")
			}
			return market.Instrument{}, &market.UnregisteredExchangeError{Site: "Yahoo", Exchange: m.ExchangeName, Instrument: in}
		}
	}
	in.Market = mkt.Code
	if mkt.Code == market.XKRX {
		_, in.Board = cutBoard(symbol)
		switch {
		case in.Board != "":
		case m.ExchangeName == "KSC":
			in.Board = market.BoardKOSPI
		case m.ExchangeName == "KOE":
			in.Board = market.BoardKOSDAQ
		}
	}
	return in, nil
}
