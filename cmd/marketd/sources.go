package main

import (
	"net/http"
	"strings"

	"github.com/marketd/marketd/cmd/marketd/internal/cli"
	"github.com/marketd/marketd/cmd/marketd/internal/config"
	"github.com/marketd/marketd/collector"
	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/naver"
	"github.com/marketd/marketd/sources/yahoo"
)

// site is one data source as marketd wires it. sites is the one place the
// CLI lists its sources: everything else (the collector, the pools and
// their metrics, --source, symbols add) reads that list, so a new source
// is its package under sources/ and its entry there.
type site struct {
	name      string
	transport config.Transport
	// open builds the source over a client of the site's pool.
	open func(*http.Client) collector.Source
	// newInstrument turns a user's upper-case symbol, on the exchange and
	// board the user named (either may be empty), into its instrument.
	newInstrument func(sym, exchange, board string) (market.Instrument, error)
	// classifier, for a source that can say what a symbol is (its
	// market, type, currency and name), asks it over a client of the
	// site's pool; nil for a source that cannot.
	classifier func(*http.Client) collector.Classifier
}

// sites returns the sources as cfg configures them, in the order messages
// name them.
func sites(cfg config.Sources) []site {
	y, n := cfg.Yahoo, cfg.Naver
	return []site{
		{name: market.SourceYahoo, transport: y.Transport, newInstrument: yahoo.NewInstrument,
			open:       func(c *http.Client) collector.Source { return yahoo.New(yahoo.Config{BaseURL: y.BaseURL}, c) },
			classifier: func(c *http.Client) collector.Classifier { return yahoo.New(yahoo.Config{BaseURL: y.BaseURL}, c) }},
		{name: market.SourceNaver, transport: n.Transport, newInstrument: naver.NewInstrument,
			open: func(c *http.Client) collector.Source { return naver.New(naverConfig(n), c) }},
	}
}

// siteNamed returns the site of source, or a usage error naming arg (the
// flag or argument that gave it) and the sources there are.
func siteNamed(arg, source string) (site, error) {
	all := sites(config.Sources{})
	names := make([]string, len(all))
	for i, s := range all {
		if s.name == source {
			return s, nil
		}
		names[i] = s.name
	}
	if source == "" {
		return site{}, cli.Usagef("%s is required: %s", arg, strings.Join(names, " or "))
	}
	return site{}, cli.Usagef("%s %q: want %s", arg, source, strings.Join(names, " or "))
}

func checkSource(source string) error { return checkSourceArg("--source", source) }

// checkSourceArg checks a source given as the flag or argument named arg.
func checkSourceArg(arg, source string) error {
	_, err := siteNamed(arg, source)
	return err
}

func naverConfig(n config.Naver) naver.Config {
	return naver.Config{FChartURL: n.FchartURL, APIURL: n.APIURL, PollingURL: n.PollingURL,
		MobileURL: n.MobileURL, PollingBatch: n.PollingBatch}
}
