package config

import (
	"net/http"

	"github.com/marketd/marketd/collector"
	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/naver"
	"github.com/marketd/marketd/sources/yahoo"
)

// Site is one data source as marketd wires it. Sites is the one place
// marketd lists its sources, beside their configuration sections:
// everything else (the collector, the pools and their metrics, --source,
// symbols add) reads that list, so a new source is its package under
// sources/, its section in Sources and its entry there.
type Site struct {
	Name      string
	Transport Transport
	// Open builds the source over a client of the site's pool.
	Open func(*http.Client) collector.Source
	// NewInstrument turns a user's upper-case symbol, on the exchange and
	// board the user named (either may be empty), into its instrument.
	NewInstrument func(sym, exchange, board string) (market.Instrument, error)
	// Classifier, for a source that can say what a symbol is (its
	// market, type, currency and name), asks it over a client of the
	// site's pool; nil for a source that cannot.
	Classifier func(*http.Client) collector.Classifier
}

// Sites returns the sources as s configures them, in the order messages
// name them.
func (s Sources) Sites() []Site {
	y, n := s.Yahoo, s.Naver
	return []Site{
		{Name: market.SourceYahoo, Transport: y.Transport, NewInstrument: yahoo.NewInstrument,
			Open:       func(c *http.Client) collector.Source { return yahoo.New(yahoo.Config{BaseURL: y.BaseURL}, c) },
			Classifier: func(c *http.Client) collector.Classifier { return yahoo.New(yahoo.Config{BaseURL: y.BaseURL}, c) }},
		{Name: market.SourceNaver, Transport: n.Transport, NewInstrument: naver.NewInstrument,
			Open: func(c *http.Client) collector.Source { return naver.New(n.config(), c) }},
	}
}

// config is the Naver source's configuration.
func (n Naver) config() naver.Config {
	return naver.Config{FChartURL: n.FchartURL, APIURL: n.APIURL, PollingURL: n.PollingURL,
		MobileURL: n.MobileURL, PollingBatch: n.PollingBatch}
}
