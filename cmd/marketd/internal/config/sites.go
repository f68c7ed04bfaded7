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

// SymbolError is a symbol a site refuses, as the user typed it. Err wraps
// market.ErrInvalidSymbol when no source can have it, else it is the
// site's NewInstrument refusal.
type SymbolError struct {
	Raw string
	Err error
}

func (e *SymbolError) Error() string { return e.Err.Error() }
func (e *SymbolError) Unwrap() error { return e.Err }

// Instruments turns symbols as a user typed them into the site's
// instruments, each once, on the exchange and board the user named (either
// may be empty). The first symbol the site cannot have fails them all.
func (s Site) Instruments(symbols []string, exchange, board string) ([]market.Instrument, error) {
	var out []market.Instrument
	seen := map[string]bool{}
	for _, raw := range symbols {
		sym := market.NormalizeSymbol(raw)
		if err := market.CheckSymbol(sym); err != nil {
			return nil, &SymbolError{Raw: raw, Err: err}
		}
		in, err := s.NewInstrument(sym, exchange, board)
		if err != nil {
			return nil, &SymbolError{Raw: raw, Err: err}
		}
		if !seen[in.Symbol] {
			seen[in.Symbol] = true
			out = append(out, in)
		}
	}
	return out, nil
}
