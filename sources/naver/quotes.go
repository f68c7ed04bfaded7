package naver

import (
	"context"

	"github.com/marketd/marketd/sources/market"
)

// Quotes returns the live quote of many instruments from the polling
// feed, PollingBatch codes per request: the last trade's time
// (localTradedAt, in UTC), its price (closePrice, or closePriceRaw when
// present) and the session's cumulative volume (accumulatedTradingVolume,
// or its *Raw twin). These are KRX's own figures; overMarketPriceInfo and
// integratedPriceInfo (Nextrade) are ignored, as in Latest.
//
// A code the answer does not hold, or holds malformed (no traded time, a
// price or volume that is not a number, no positive price), is absent
// from the map while the others are kept. A batch that fails as a whole
// makes Quotes return an error naming the batch, together with the map of
// every other batch.
func (s *Source) Quotes(ctx context.Context, insts []market.Instrument) (map[market.Key]market.Quote, error) {
	codes, want, err := pollingCodes(insts)
	if err != nil {
		return nil, err
	}
	out := make(map[market.Key]market.Quote, len(codes))
	err = s.poll(ctx, codes, func(batch string, body []byte) error {
		quotes, err := parseQuotes(batch, body)
		for code, q := range quotes {
			if want[code] {
				out[market.Key{Source: market.SourceNaver, Symbol: code}] = q
			}
		}
		return err
	})
	return out, err
}

// parseQuotes reads one polling answer's quotes by code; batch names the
// request in errors.
func parseQuotes(batch string, body []byte) (map[string]market.Quote, error) {
	items, err := pollingItems(batch, body)
	out := make(map[string]market.Quote, len(items))
	for _, it := range items {
		if q, ok := it.quote(); ok {
			out[it.ItemCode] = q
		}
	}
	return out, err
}

// quote reads one item's quote; false when a field is missing or not a
// number.
func (it pollingItem) quote() (market.Quote, bool) {
	p, err := parsePrice(it.ClosePriceRaw.or(it.ClosePrice))
	if err != nil || !p.valid || p.v <= 0 {
		return market.Quote{}, false
	}
	v, err := parseVolume(it.AccumulatedTradingVolumeRaw.or(it.AccumulatedTradingVolume))
	if err != nil || !v.valid || v.v < 0 {
		return market.Quote{}, false
	}
	return market.Quote{At: it.tradedAt.UTC(), Price: p.v, Volume: v.v}, true
}
