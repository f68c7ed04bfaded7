package yahoo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	finance "github.com/piquette/finance-go"
	"github.com/piquette/finance-go/form"

	"github.com/marketd/marketd/sources/httpx"
	"github.com/marketd/marketd/sources/market"
)

// DefaultBaseURL is Yahoo's chart API host.
const DefaultBaseURL = "https://query1.finance.yahoo.com"

// Config configures a Source.
type Config struct {
	// BaseURL is the scheme and host (and optional path prefix) of the
	// chart API; DefaultBaseURL when empty.
	BaseURL string
	// Now tells the time for the rule that keeps a session's bar out until
	// the session has closed; time.Now when nil.
	Now func() time.Time
}

// Source fetches daily data for Yahoo symbols.
type Source struct {
	backend *finance.BackendConfiguration
	now     func() time.Time
}

// New returns a Source that sends through client, which should come from
// an httpx.Pool so the host's rate limit, headers and typed status errors
// apply. A nil client gets a default httpx transport for the same reason.
func New(cfg Config, client *http.Client) *Source {
	base := strings.TrimRight(cfg.BaseURL, "/")
	if base == "" {
		base = DefaultBaseURL
	}
	if client == nil {
		client = httpx.New(httpx.Config{}, nil).Client()
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Source{
		// Our own backend value, never finance.SetBackend: the library's
		// backends are process globals.
		backend: &finance.BackendConfiguration{Type: finance.YFinBackend, URL: base, HTTPClient: client},
		now:     now,
	}
}

// Fetch returns inst's daily bars and corporate actions dated from..to
// (inclusive, trading dates at the exchange), ascending, one bar per date.
// A bar whose session has not closed yet is left out. Rows Yahoo sent
// without a close are reported in Series.Notes as skipped; rows missing
// another field keep it invalid and get a note.
//
// Errors wrap market.ErrNotFound (unknown or delisted symbol),
// market.ErrNoData (the window is before the first listing) or the
// transport's errors (httpx.ErrRateLimited, httpx.ErrTransient, …).
func (s *Source) Fetch(ctx context.Context, inst market.Instrument, from, to market.Date) (market.Series, error) {
	symbol, err := checkInstrument(inst)
	if err != nil {
		return market.Series{}, err
	}
	if from.IsZero() || to.IsZero() || from > to {
		return market.Series{}, fmt.Errorf("yahoo %s: invalid window %s..%s", symbol, from, to)
	}
	w := window{symbol: symbol, from: from, to: to, now: s.now(), typ: inst.Type, market: marketOf(inst)}

	var env envelope
	if err := s.backend.Call(chartPath(symbol), query(from, to), &ctx, &env); err != nil {
		return market.Series{}, callError(symbol, err)
	}
	series, err := env.series(w)
	if err != nil {
		return market.Series{}, err
	}
	series.Key = market.Key{Source: market.SourceYahoo, Symbol: symbol}
	return series, nil
}

// checkInstrument returns inst's symbol, or an error when inst is not a
// Yahoo instrument.
func checkInstrument(inst market.Instrument) (string, error) {
	switch {
	case inst.Symbol == "":
		return "", errors.New("yahoo: instrument has no symbol")
	case inst.Source != "" && inst.Source != market.SourceYahoo:
		return "", fmt.Errorf("yahoo %s: instrument belongs to source %q", inst.Symbol, inst.Source)
	}
	return inst.Symbol, nil
}

// marketOf returns the market inst is stored on, nil when marketd does not
// know it.
func marketOf(inst market.Instrument) *market.Market {
	for _, code := range []string{inst.Market, inst.Board} {
		if m, err := market.LookupMarket(code); code != "" && err == nil {
			return &m
		}
	}
	return nil
}

// chartPath escapes the symbol into its path segment: finance-go joins
// base URL and path as strings.
func chartPath(symbol string) string {
	return "/v8/finance/chart/" + url.PathEscape(symbol)
}

// query asks for a UTC window one day wider than the dates on each side.
// The exchange's zone is only known from the response, and zones run from
// UTC-12 to UTC+14, so this covers every session dated from..to anywhere;
// series() then keeps the bars whose trading date, in the exchange's zone,
// falls inside the window.
func query(from, to market.Date) *form.Values {
	var v form.Values
	v.Add("period1", strconv.FormatInt(from.AddDays(-1).In(time.UTC).Unix(), 10))
	v.Add("period2", strconv.FormatInt(to.AddDays(2).In(time.UTC).Unix(), 10))
	v.Add("interval", "1d")
	v.Add("events", "div,split")
	v.Add("includeAdjustedClose", "true")
	return &v
}

// callError maps what finance-go's Call returned. Its own status error is
// opaque, but it never produces one here: the httpx transport answers
// every status of 400 and above with a *httpx.StatusError, which reaches
// us inside the *url.Error from http.Client.
func callError(symbol string, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	if errors.As(err, &syn) || errors.As(err, &typ) {
		return undecodable(symbol, err)
	}
	var serr *httpx.StatusError
	if errors.As(err, &serr) && (serr.Code == http.StatusNotFound || serr.Code == http.StatusBadRequest) {
		var env envelope
		if json.Unmarshal(serr.Body, &env) == nil && env.Chart.Error != nil {
			mapped := env.Chart.Error.err(symbol)
			if errors.Is(mapped, market.ErrNotFound) && serr.Code == http.StatusNotFound ||
				errors.Is(mapped, market.ErrNoData) && serr.Code == http.StatusBadRequest {
				return mapped
			}
		}
	}
	// The transport's errors already name the method and URL.
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err
	}
	return fmt.Errorf("yahoo %s: %w", symbol, err)
}
