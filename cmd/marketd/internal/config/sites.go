package config

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

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
	// Refusal words a NewInstrument refusal of raw (the symbol as typed),
	// given with --market mkt, as what to do instead; "" when it is not
	// one of the source's own.
	Refusal func(raw, mkt string, err error) string
	// MinuteReach says how far back the source serves bars of an
	// intraday interval; 0 for an interval it does not serve.
	MinuteReach func(market.Interval) time.Duration
}

// ParseIntraday reads an intraday setting for the site as a user typed
// it: 1m, 5m, 60m or off, an interval the site serves.
func (s Site) ParseIntraday(v string) (market.Interval, error) {
	if v == "" {
		return 0, errors.New("no interval given: want 1m, 5m, 60m or off")
	}
	iv, err := market.ParseIntraday(v)
	if err == nil {
		err = s.CheckIntraday(iv)
	}
	if err != nil {
		return 0, err
	}
	return iv, nil
}

// CheckIntraday refuses an intraday interval the site does not serve (0,
// off, is always accepted), naming the site and what it serves: an
// instrument set to archive it would fail every run.
func (s Site) CheckIntraday(iv market.Interval) error {
	if iv == 0 || s.MinuteReach(iv) > 0 {
		return nil
	}
	var served []string
	for _, v := range market.Intervals() {
		if v.Intraday() && s.MinuteReach(v) > 0 {
			served = append(served, v.String())
		}
	}
	return fmt.Errorf("%s serves no %s bars: want %s or off", s.Name, iv, strings.Join(served, ", "))
}

// Sites returns the sources as s configures them, in the order messages
// name them.
func (s Sources) Sites() []Site {
	y, n := s.Yahoo, s.Naver
	return []Site{
		{Name: market.SourceYahoo, Transport: y.Transport, NewInstrument: yahoo.NewInstrument, Refusal: yahooRefusal, MinuteReach: yahoo.MinuteReach,
			Open:       func(c *http.Client) collector.Source { return yahoo.New(yahoo.Config{BaseURL: y.BaseURL}, c) },
			Classifier: func(c *http.Client) collector.Classifier { return yahoo.New(yahoo.Config{BaseURL: y.BaseURL}, c) }},
		{Name: market.SourceNaver, Transport: n.Transport, NewInstrument: naver.NewInstrument, Refusal: naverRefusal, MinuteReach: naver.MinuteReach,
			Open: func(c *http.Client) collector.Source { return naver.New(n.config(), c) }},
	}
}

func yahooRefusal(raw, mkt string, err error) string {
	switch {
	case errors.Is(err, yahoo.ErrNotSymbol):
		return fmt.Sprintf("yahoo symbol %q: not a Yahoo symbol", raw)
	case errors.Is(err, yahoo.ErrNotKRX):
		return fmt.Sprintf("yahoo symbol %q: --market %s wants 6-character KRX codes or CODE.KS/CODE.KQ", raw, mkt)
	case errors.Is(err, yahoo.ErrNeedsBoard):
		return fmt.Sprintf("yahoo symbol %q: a KRX code; use --market KOSPI or KOSDAQ so it becomes CODE.KS or CODE.KQ", raw)
	}
	return ""
}

func naverRefusal(raw, mkt string, err error) string {
	switch {
	case errors.Is(err, naver.ErrNotXKRX):
		return fmt.Sprintf("--market %s: naver has Korean (XKRX) instruments only", mkt)
	case errors.Is(err, naver.ErrNotCode):
		return fmt.Sprintf("naver symbol %q: want a 6-character KRX code such as 005930", raw)
	}
	return ""
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
