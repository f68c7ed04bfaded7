package naver

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/marketd/marketd/sources/market"
)

// recentWindowDays bounds the windows Fetch serves from the chart feed.
const recentWindowDays = 14

// Fetch returns the closed sessions of inst dated from..to (inclusive), in
// one request whatever the span.
//
// The endpoint is chosen by the window: one that reaches today's exchange
// date and starts at most 14 calendar days earlier (the daily job and the
// restatement window) goes to the chart feed with count = the window's
// calendar days, an upper bound on its sessions that needs no calendar;
// every other window goes to siseJson with startTime/endTime. Both cost
// one request; the chart feed is the one Recent reads, so the re-fetched
// latest sessions come from the same feed whichever method the collector
// calls. A window without sessions is market.ErrNoData.
func (s *Source) Fetch(ctx context.Context, inst market.Instrument, from, to market.Date) (market.Series, error) {
	code, err := checkInstrument(inst)
	if err != nil {
		return market.Series{}, err
	}
	if from.IsZero() || to.IsZero() || from > to {
		return market.Series{}, fmt.Errorf("naver: fetch %s: invalid window %s..%s", code, from, to)
	}
	k, err := s.clock()
	if err != nil {
		return market.Series{}, err
	}
	f := s.newFetcher(ctx)
	var rows []row
	if days := k.today.DaysSince(from); to >= k.today && 0 <= days && days <= recentWindowDays {
		rows, err = s.fchart(f, code, days+1)
	} else {
		rows, err = s.siseJSON(f, code, from, to)
	}
	if err != nil {
		return market.Series{}, err
	}
	in := rows[:0]
	for _, r := range rows {
		if from <= r.date && r.date <= to {
			in = append(in, r)
		}
	}
	if len(in) == 0 {
		return market.Series{}, fmt.Errorf("naver %s: %w between %s and %s", code, market.ErrNoData, from, to)
	}
	return series(code, in, k), nil
}

// siseJSON fetches code's sessions dated from..to.
func (s *Source) siseJSON(f *fetcher, code string, from, to market.Date) ([]row, error) {
	q := url.Values{
		"symbol":      {code},
		"requestType": {"1"},
		"startTime":   {from.Compact()},
		"endTime":     {to.Compact()},
		"timeframe":   {"day"},
	}
	body, err := f.get(endpointSiseJSON, code, s.cfg.APIURL+"/siseJson.naver?"+q.Encode(), charsetUTF8)
	if err != nil {
		return nil, err
	}
	return parseSiseJSON(code, body)
}

// siseJSONColumns are the header names of the columns a bar needs, in the
// order the feed sends them when there is no header to go by.
var siseJSONColumns = [...]string{"날짜", "시가", "고가", "저가", "종가", "거래량"}

// parseSiseJSON parses siseJson's array literal: an optional header row
// (single-quoted Korean names), then ["YYYYMMDD", open, high, low, close,
// volume, foreignRatio] rows. Columns are found by header name when the
// header names all six, by position otherwise. Numbers may be quoted and
// hold commas or spaces. A literal without data rows is market.ErrNoData.
func parseSiseJSON(code string, body []byte) ([]row, error) {
	perr := func(err error) error { return &ParseError{Endpoint: endpointSiseJSON, Symbol: code, Err: err} }
	cells, err := parseJSRows(string(body))
	if err != nil {
		return nil, perr(err)
	}
	idx := [len(siseJSONColumns)]int{0, 1, 2, 3, 4, 5}
	if len(cells) > 0 && isHeader(cells[0]) {
		header := cells[0]
		cells = cells[1:]
		found := 0
		for i, name := range siseJSONColumns {
			for j, c := range header {
				if strings.TrimSpace(c.text) == name {
					idx[i] = j
					found++
					break
				}
			}
		}
		if found != len(siseJSONColumns) {
			idx = [len(siseJSONColumns)]int{0, 1, 2, 3, 4, 5}
		}
	}
	if len(cells) == 0 {
		return nil, fmt.Errorf("naver %s %s: %w (the answer holds no sessions)", endpointSiseJSON, code, market.ErrNoData)
	}
	width := 0
	for _, i := range idx {
		width = max(width, i+1)
	}
	rows := make([]row, 0, len(cells))
	var errs []error
	for n, c := range cells {
		if len(c) < width {
			errs = append(errs, fmt.Errorf("row %d: %d cells, want at least %d", n+1, len(c), width))
			continue
		}
		r, err := parseRow(c[idx[0]].text, c[idx[1]].text, c[idx[2]].text, c[idx[3]].text, c[idx[4]].text, c[idx[5]].text)
		if err != nil {
			errs = append(errs, fmt.Errorf("row %d: %w", n+1, err))
			continue
		}
		rows = append(rows, r)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, perr(err)
	}
	return rows, nil
}

// isHeader reports whether a row is the header: its first cell holds no
// digit ('날짜'). A data row with a malformed date is not mistaken for it.
func isHeader(row []jsCell) bool {
	return len(row) == 0 || !strings.ContainsAny(row[0].text, "0123456789")
}
