package naver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/marketd/marketd/sources/market"
)

// listingPageSize is what Listing asks for per page; the feed may send
// fewer, and paging follows whatever it sends.
const listingPageSize = 100

// Listing returns the stocks and ETFs listed on a board (KOSPI or KOSDAQ),
// paging the mobile market-value ranking until it has totalCount entries.
//
// The caller marks instruments missing from the listing inactive, so a
// listing that comes back short (the ranking reshuffled between pages
// during a session, or a page repeated) is an error rather than a partial
// answer: a missing code must never look delisted.
func (s *Source) Listing(ctx context.Context, board string) ([]market.Instrument, error) {
	board = strings.ToUpper(strings.TrimSpace(board))
	if board != market.BoardKOSPI && board != market.BoardKOSDAQ {
		return nil, fmt.Errorf("naver: listing: unknown board %q (want KOSPI or KOSDAQ)", board)
	}
	f := s.newFetcher(ctx)
	var out []market.Instrument
	seen := map[string]bool{}
	received, total, maxPages := 0, -1, 1
	for page := 1; page <= maxPages; page++ {
		q := url.Values{"page": {strconv.Itoa(page)}, "pageSize": {strconv.Itoa(listingPageSize)}}
		body, err := f.get(endpointListing, board, s.cfg.MobileURL+"/api/stocks/marketValue/"+board+"?"+q.Encode(), charsetUTF8)
		if err != nil {
			return nil, err
		}
		p, err := parseListing(board, body)
		if err != nil {
			return nil, fmt.Errorf("page %d: %w", page, err)
		}
		if total < 0 {
			total = p.total
			// Enough pages for the page size the feed actually uses, plus
			// one; a feed that ignores page numbers cannot loop forever.
			maxPages = total/max(len(p.entries), 1) + 2
		}
		if len(p.entries) == 0 {
			break
		}
		received += len(p.entries)
		for _, e := range p.entries {
			if seen[e.code] {
				continue
			}
			seen[e.code] = true
			if !e.listed {
				continue
			}
			out = append(out, market.Instrument{
				Key:      market.Key{Source: market.SourceNaver, Symbol: e.code},
				Market:   market.XKRX,
				Board:    board,
				Currency: "KRW",
				Name:     e.name,
				Active:   true,
			})
		}
		if received >= total {
			break
		}
	}
	if len(seen) != total {
		return nil, fmt.Errorf("naver %s %s: incomplete listing: %d distinct codes of the %d announced (the ranking moved while paging?); retry after the close",
			endpointListing, board, len(seen), total)
	}
	return out, nil
}

type listingEntry struct {
	code, name string
	// listed is false for what the collector does not collect (ETNs,
	// warrants): only stocks and ETFs are instruments here.
	listed bool
}

type listingPage struct {
	total   int
	entries []listingEntry
}

// parseListing parses one page of the market-value ranking. A bad code
// fails the page: a listing missing a code would deactivate it.
func parseListing(board string, body []byte) (listingPage, error) {
	perr := func(err error) error { return &ParseError{Endpoint: endpointListing, Symbol: board, Err: err} }
	var doc struct {
		Stocks *[]struct {
			ItemCode     string `json:"itemCode"`
			StockName    string `json:"stockName"`
			StockEndType string `json:"stockEndType"`
		} `json:"stocks"`
		TotalCount *int `json:"totalCount"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return listingPage{}, perr(err)
	}
	if doc.Stocks == nil || doc.TotalCount == nil {
		return listingPage{}, perr(errors.New(`want "stocks" and "totalCount"`))
	}
	if *doc.TotalCount < 0 {
		return listingPage{}, perr(fmt.Errorf("negative totalCount %d", *doc.TotalCount))
	}
	p := listingPage{total: *doc.TotalCount, entries: make([]listingEntry, 0, len(*doc.Stocks))}
	for i, st := range *doc.Stocks {
		code := strings.TrimSpace(st.ItemCode)
		if !market.IsKRXCode(code) {
			return listingPage{}, perr(fmt.Errorf("entry %d: invalid code %q", i+1, st.ItemCode))
		}
		kind := strings.ToLower(strings.TrimSpace(st.StockEndType))
		p.entries = append(p.entries, listingEntry{
			code:   code,
			name:   strings.TrimSpace(st.StockName),
			listed: kind == "stock" || kind == "etf",
		})
	}
	return p, nil
}
