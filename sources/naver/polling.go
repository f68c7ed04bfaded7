package naver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/marketd/marketd/sources/market"
)

// Latest returns the latest session of many instruments from the polling
// feed, PollingBatch codes per request: after the close, a whole market's
// day in tens of requests.
//
// Only the KRX fields are read: openPrice, highPrice, lowPrice, closePrice
// and accumulatedTradingVolume (their *Raw twins when present).
// overMarketPriceInfo (Nextrade pre/after-market) and integratedPriceInfo
// (KRX + Nextrade) are ignored. The bar's date is localTradedAt in
// Asia/Seoul; a bar whose session has not closed is dropped, leaving the
// code's Series without bars.
//
// A code the answer does not hold, or holds malformed, is absent from the
// map: the caller falls back to the chart feed for it, which reports that
// code's own error. An empty answer is an empty map. A batch that fails as
// a whole (transport, unparsable body) makes Latest return an error naming
// the batch, together with the map of every other batch.
func (s *Source) Latest(ctx context.Context, insts []market.Instrument) (map[market.Key]market.Series, error) {
	codes, want, err := pollingCodes(insts)
	if err != nil {
		return nil, err
	}
	k, err := s.clock()
	if err != nil {
		return nil, err
	}
	out := make(map[market.Key]market.Series, len(codes))
	err = s.poll(ctx, codes, func(batch string, body []byte) error {
		rows, err := parsePolling(batch, body, s.market.Location)
		for code, r := range rows {
			if !want[code] {
				continue // an answer about a code not asked for
			}
			out[market.Key{Source: market.SourceNaver, Symbol: code}] = series(code, []row{r}, k)
		}
		return err
	})
	return out, err
}

// pollingCodes returns the codes of insts, once each, in order, and
// their set.
func pollingCodes(insts []market.Instrument) ([]string, map[string]bool, error) {
	var codes []string
	seen := map[string]bool{}
	for _, inst := range insts {
		code, err := checkInstrument(inst)
		if err != nil {
			return nil, nil, err
		}
		if !seen[code] {
			seen[code] = true
			codes = append(codes, code)
		}
	}
	return codes, seen, nil
}

// poll asks the polling feed for codes, PollingBatch per request, one
// request after the other, and hands each answer to use with the batch it
// answers (comma-joined codes). A batch whose request or use fails is
// named in the error returned, joined with the others'; the other batches
// still go.
func (s *Source) poll(ctx context.Context, codes []string, use func(batch string, body []byte) error) error {
	f := s.newFetcher(ctx)
	var errs []error
	for start := 0; start < len(codes); start += s.cfg.PollingBatch {
		if err := ctx.Err(); err != nil {
			return errors.Join(append(errs, fmt.Errorf("naver %s: %w", endpointPolling, err))...)
		}
		batch := strings.Join(codes[start:min(start+s.cfg.PollingBatch, len(codes))], ",")
		body, err := f.get(endpointPolling, batch, s.cfg.PollingURL+"/api/realtime/domestic/stock/"+batch, charsetUTF8)
		if err == nil {
			err = use(batch, body)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// flexString holds a JSON string or number as text: the polling feed sends
// *Raw fields either way. null leaves it empty.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*f = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
	case len(b) > 0 && (b[0] == '-' || '0' <= b[0] && b[0] <= '9'):
		*f = flexString(b)
	default:
		return fmt.Errorf("want a string or a number, got %.20s", b)
	}
	return nil
}

// or returns f, or alt when f is empty.
func (f flexString) or(alt flexString) string {
	if strings.TrimSpace(string(f)) != "" {
		return string(f)
	}
	return string(alt)
}

type pollingItem struct {
	ItemCode      string `json:"itemCode"`
	LocalTradedAt string `json:"localTradedAt"`

	OpenPrice                   flexString `json:"openPrice"`
	HighPrice                   flexString `json:"highPrice"`
	LowPrice                    flexString `json:"lowPrice"`
	ClosePrice                  flexString `json:"closePrice"`
	AccumulatedTradingVolume    flexString `json:"accumulatedTradingVolume"`
	OpenPriceRaw                flexString `json:"openPriceRaw"`
	HighPriceRaw                flexString `json:"highPriceRaw"`
	LowPriceRaw                 flexString `json:"lowPriceRaw"`
	ClosePriceRaw               flexString `json:"closePriceRaw"`
	AccumulatedTradingVolumeRaw flexString `json:"accumulatedTradingVolumeRaw"`

	tradedAt time.Time // LocalTradedAt parsed
}

// parsePolling parses one polling answer into a row per code. batch names
// the request in errors; loc is the exchange's zone, whose civil date of
// localTradedAt is the session's date. An item that cannot make a row (no code, bad
// number, no trading date) is left out; a body that is not the feed's
// envelope is a ParseError.
func parsePolling(batch string, body []byte, loc *time.Location) (map[string]row, error) {
	items, err := pollingItems(batch, body)
	out := make(map[string]row, len(items))
	for _, it := range items {
		r, err := parseRow(market.DateOf(it.tradedAt.In(loc)).Compact(),
			it.OpenPriceRaw.or(it.OpenPrice), it.HighPriceRaw.or(it.HighPrice), it.LowPriceRaw.or(it.LowPrice),
			it.ClosePriceRaw.or(it.ClosePrice), it.AccumulatedTradingVolumeRaw.or(it.AccumulatedTradingVolume))
		if err != nil {
			continue
		}
		out[it.ItemCode] = r
	}
	return out, err
}

// pollingItems decodes one polling answer's items that carry a KRX code
// and a traded time (localTradedAt, RFC 3339); the others are left out. A
// body that is not the feed's envelope is a ParseError naming the batch.
func pollingItems(batch string, body []byte) ([]pollingItem, error) {
	var doc struct {
		Datas *[]json.RawMessage `json:"datas"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, &ParseError{Endpoint: endpointPolling, Symbol: batch, Err: err}
	}
	if doc.Datas == nil {
		return nil, &ParseError{Endpoint: endpointPolling, Symbol: batch, Err: errors.New(`no "datas" list`)}
	}
	out := make([]pollingItem, 0, len(*doc.Datas))
	for _, raw := range *doc.Datas {
		var it pollingItem
		if json.Unmarshal(raw, &it) != nil || !market.IsKRXCode(it.ItemCode) {
			continue
		}
		at, err := time.Parse(time.RFC3339, strings.TrimSpace(it.LocalTradedAt))
		if err != nil {
			continue
		}
		it.tradedAt = at
		out = append(out, it)
	}
	return out, nil
}
