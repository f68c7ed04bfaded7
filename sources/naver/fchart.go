package naver

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"

	"github.com/marketd/marketd/sources/market"
)

// Recent returns the n latest closed sessions of inst from the chart feed
// (one request). It asks for one session more than n because the feed's
// newest bar may be today's, still trading. An unknown code is
// market.ErrNoData.
func (s *Source) Recent(ctx context.Context, inst market.Instrument, n int) (market.Series, error) {
	code, err := checkInstrument(inst)
	if err != nil {
		return market.Series{}, err
	}
	if n < 1 {
		return market.Series{}, fmt.Errorf("naver: recent %s: count %d must be at least 1", code, n)
	}
	k, err := s.clock()
	if err != nil {
		return market.Series{}, err
	}
	rows, err := s.fchart(s.newFetcher(ctx), code, n+1)
	if err != nil {
		return market.Series{}, err
	}
	out := series(code, rows, k)
	if extra := len(out.Bars) - n; extra > 0 {
		first := out.Bars[extra].Date
		out.Bars = out.Bars[extra:]
		notes := out.Notes[:0]
		for _, note := range out.Notes {
			if note.Date >= first {
				notes = append(notes, note)
			}
		}
		out.Notes = notes
	}
	return out, nil
}

// fchart fetches the count latest sessions of code from the chart feed.
func (s *Source) fchart(f *fetcher, code string, count int) ([]row, error) {
	q := url.Values{
		"symbol":      {code},
		"timeframe":   {"day"},
		"count":       {strconv.Itoa(count)},
		"requestType": {"0"},
	}
	body, err := f.get(endpointFChart, code, s.cfg.FChartURL+"/sise.nhn?"+q.Encode(), charsetEUCKR)
	if err != nil {
		return nil, err
	}
	chart, err := parseFChart(code, body)
	if err != nil {
		return nil, err
	}
	return chart.rows, nil
}

// fchartChart is the chart feed's answer for one code.
type fchartChart struct {
	symbol string
	name   string // the company's name, e.g. 삼성전자
	rows   []row
}

// parseFChart parses the chart feed's daily XML. An answer without a
// chart or without items (<protocol />, what the feed sends for an unknown
// code) is market.ErrNoData.
func parseFChart(code string, body []byte) (fchartChart, error) {
	doc, err := decodeFChart(code, body)
	if err != nil {
		return fchartChart{}, err
	}
	out := fchartChart{symbol: doc.Symbol, name: doc.Name, rows: make([]row, 0, len(doc.Items))}
	var errs []error
	for i, it := range doc.Items {
		cells := strings.Split(it.Data, "|")
		if len(cells) < 6 {
			errs = append(errs, fmt.Errorf("item %d %q: want date|open|high|low|close|volume", i+1, it.Data))
			continue
		}
		r, err := parseRow(cells[0], cells[1], cells[2], cells[3], cells[4], cells[5])
		if err != nil {
			errs = append(errs, fmt.Errorf("item %d: %w", i+1, err))
			continue
		}
		out.rows = append(out.rows, r)
	}
	if err := errors.Join(errs...); err != nil {
		return fchartChart{}, &ParseError{Endpoint: endpointFChart, Symbol: code, Err: err}
	}
	return out, nil
}

// fchartDoc is the chart feed's XML, for any timeframe.
type fchartDoc struct {
	Symbol    string       `xml:"symbol,attr"`
	Name      string       `xml:"name,attr"`
	Timeframe string       `xml:"timeframe,attr"`
	Items     []fchartItem `xml:"item"`
}

// fchartItem is one <item data="…"/> of the chart feed.
type fchartItem struct {
	Data string `xml:"data,attr"`
}

// decodeFChart decodes the chart feed's XML. The body must already be
// UTF-8: the feed sends EUC-KR, which the fetcher decodes (colly with the
// charset named), so the declaration's encoding="EUC-KR" is accepted
// as-is here. No chart or no items is market.ErrNoData; a chart for
// another symbol is a ParseError.
func decodeFChart(code string, body []byte) (*fchartDoc, error) {
	var doc fchartXML
	// The feed pads the document with blank lines, sometimes before <?xml.
	body = bytes.TrimLeft(body, " \t\r\n\ufeff")
	chart, ok := scanFChart(body)
	if !ok {
		if err := decodeFChartXML(code, body, &doc); err != nil {
			return nil, err
		}
		chart = doc.Chart
	}
	if chart == nil || len(chart.Items) == 0 {
		return nil, fmt.Errorf("naver %s %s: %w (the chart feed knows no sessions for this code)", endpointFChart, code, market.ErrNoData)
	}
	if chart.Symbol != "" && chart.Symbol != code {
		return nil, &ParseError{Endpoint: endpointFChart, Symbol: code, Err: fmt.Errorf("answer is for symbol %q", chart.Symbol)}
	}
	return chart, nil
}

// fchartXML is the chart feed's whole document as encoding/xml reads it.
type fchartXML struct {
	XMLName xml.Name   `xml:"protocol"`
	Chart   *fchartDoc `xml:"chartdata"`
}

// decodeFChartXML decodes body with encoding/xml: every document
// scanFChart does not take, and the reference it is fuzzed against.
func decodeFChartXML(code string, body []byte, doc *fchartXML) error {
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.CharsetReader = func(label string, input io.Reader) (io.Reader, error) {
		switch strings.ToLower(label) {
		case "euc-kr", "euckr", "ks_c_5601-1987", "cp949", "utf-8", "utf8":
			return input, nil // already decoded by the fetcher
		}
		return nil, fmt.Errorf("unexpected encoding %q", label)
	}
	if err := dec.Decode(doc); err != nil {
		return &ParseError{Endpoint: endpointFChart, Symbol: code, Err: err}
	}
	return nil
}
