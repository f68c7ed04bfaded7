package naver

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gocolly/colly/v2"

	"github.com/marketd/marketd/sources/httpx"
	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/market/calendar"
)

// Default endpoints (config keys sources.naver.*_url).
const (
	DefaultFChartURL  = "https://fchart.stock.naver.com"
	DefaultAPIURL     = "https://api.finance.naver.com"
	DefaultPollingURL = "https://polling.finance.naver.com"
	DefaultMobileURL  = "https://m.stock.naver.com"
)

// DefaultPollingBatch is how many codes one polling request asks for.
// Naver documents no limit; public clients send around ten, and 50 keeps the
// URL short (about 350 bytes) while a whole market still takes only tens of
// requests. Raise it with sources.naver.polling_batch once verified.
const DefaultPollingBatch = 50

// Config sets a Source. Zero values take the defaults.
type Config struct {
	FChartURL  string // chart feed: sise.nhn
	APIURL     string // siseJson.naver
	PollingURL string // realtime polling
	MobileURL  string // market listing
	// PollingBatch is the number of codes per polling request.
	PollingBatch int
	// Now returns the current time; nil means time.Now. It decides which
	// session is still open (its bar is dropped until the 15:30 KST close).
	Now func() time.Time
}

func (c Config) withDefaults() Config {
	if c.FChartURL == "" {
		c.FChartURL = DefaultFChartURL
	}
	if c.APIURL == "" {
		c.APIURL = DefaultAPIURL
	}
	if c.PollingURL == "" {
		c.PollingURL = DefaultPollingURL
	}
	if c.MobileURL == "" {
		c.MobileURL = DefaultMobileURL
	}
	if c.PollingBatch < 1 {
		c.PollingBatch = DefaultPollingBatch
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	for _, u := range []*string{&c.FChartURL, &c.APIURL, &c.PollingURL, &c.MobileURL} {
		*u = strings.TrimRight(*u, "/")
	}
	return c
}

// Source fetches Naver Finance data. It is safe for concurrent use: each
// call makes its own colly collector.
type Source struct {
	cfg       Config
	transport http.RoundTripper
	market    market.Market
	marketErr error
	// cal is XKRX's calendar, built once: building one costs about 2 ms,
	// as much as the minute request it serves.
	cal    *calendar.Calendar
	calErr error
}

// New returns a Source that sends every request through client's transport
// (http.DefaultTransport when client or its transport is nil).
func New(cfg Config, client *http.Client) *Source {
	var rt http.RoundTripper = http.DefaultTransport
	if client != nil && client.Transport != nil {
		rt = client.Transport
	}
	m, err := market.LookupMarket(market.XKRX)
	cal, calErr := calendar.For(market.XKRX)
	return &Source{cfg: cfg.withDefaults(), transport: rt, market: m, marketErr: err, cal: cal, calErr: calErr}
}

// Endpoint names, used in errors so an operator can tell which feed failed.
const (
	endpointFChart   = "fchart"
	endpointSiseJSON = "siseJson"
	endpointPolling  = "polling"
	endpointListing  = "listing"
)

// ParseError is a response that arrived but could not be understood. It is
// permanent: fetching the same answer again will not help.
type ParseError struct {
	Endpoint string
	Symbol   string // a code, a comma-joined batch, or a board
	Err      error
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("naver %s %s: malformed response: %v", e.Endpoint, e.Symbol, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

// fetcher issues the requests of one call through one colly collector.
// colly remembers visited URLs per collector, so a collector never outlives
// the call that made it.
type fetcher struct {
	c *colly.Collector
}

// Keys of the per-request colly context.
const (
	ctxCharset = "naver.charset"
	ctxBody    = "naver.body"
)

func (s *Source) newFetcher(ctx context.Context) *fetcher {
	// Synchronous (colly's default): a call's requests go one after the
	// other, and the shared transport paces them per host.
	c := colly.NewCollector(
		colly.StdlibContext(ctx), // cancels in-flight requests with the call
		colly.IgnoreRobotsTxt(),
		colly.MaxBodySize(0), // the transport caps bodies, decompressed (httpx.DefaultMaxBody)
	)
	c.WithTransport(s.transport)
	// colly's client timeout (10 s by default) would cover the transport's
	// rate-limit wait and 429 cool-downs too; the transport bounds each
	// attempt (sources.naver.timeout), the call's context the rest.
	c.SetRequestTimeout(0)
	// colly only honours a charset named in Content-Type and ignores the
	// body's own declaration; naming it per request makes the decoding
	// independent of what the server's header claims.
	c.OnRequest(func(r *colly.Request) {
		r.ResponseCharacterEncoding = r.Ctx.Get(ctxCharset)
	})
	c.OnResponse(func(r *colly.Response) {
		if p, ok := r.Ctx.GetAny(ctxBody).(*[]byte); ok {
			*p = r.Body
		}
	})
	return &fetcher{c: c}
}

// get fetches rawURL and returns its body decoded from charset to UTF-8.
// Every endpoint goes through it, so every endpoint maps errors alike:
// a 410 says the endpoint is discontinued (errors.Is(err, httpx.ErrGone)),
// and the transport's typed errors stay reachable with errors.Is/As.
func (f *fetcher) get(endpoint, symbol, rawURL, charset string) ([]byte, error) {
	var body []byte
	cctx := colly.NewContext()
	cctx.Put(ctxCharset, charset)
	cctx.Put(ctxBody, &body)
	if err := f.c.Request(http.MethodGet, rawURL, nil, cctx, nil); err != nil {
		// http.Client wraps the transport's error in a *url.Error naming
		// the URL; a StatusError names it already.
		var uerr *url.Error
		var serr *httpx.StatusError
		if errors.As(err, &uerr) && errors.As(uerr.Err, &serr) {
			err = uerr.Err
		}
		if errors.Is(err, httpx.ErrGone) {
			return nil, fmt.Errorf("naver %s %s: endpoint discontinued: %w", endpoint, symbol, err)
		}
		return nil, fmt.Errorf("naver %s %s: %w", endpoint, symbol, err)
	}
	return body, nil
}

// BatchSize is how many instruments one Latest call answers in one
// polling request.
func (s *Source) BatchSize() int { return s.cfg.PollingBatch }

// SilentSplits reports that Naver's history is split-adjusted but comes
// with no split events: only a rewritten overlap with stored bars reveals
// a split.
func (s *Source) SilentSplits() bool { return true }

// Charsets of the feeds: the chart feed is EUC-KR, the others UTF-8.
const (
	charsetEUCKR = "EUC-KR"
	charsetUTF8  = "UTF-8"
)

// clock is the exchange's view of now: today's date and whether today's
// regular session has closed.
type clock struct {
	today  market.Date
	closed bool
}

func (s *Source) clock() (clock, error) {
	if s.marketErr != nil {
		return clock{}, fmt.Errorf("naver: %w", s.marketErr)
	}
	local := s.cfg.Now().In(s.market.Location)
	today := market.DateOf(local)
	return clock{today: today, closed: local.Sub(today.In(s.market.Location)) >= s.market.Close}, nil
}

// keeps reports whether a bar dated d belongs in a Series: its session has
// closed. Today's bar is kept after 15:30 KST with Final=false; the
// collector re-fetches it until after-hours trading settles at 20:00.
func (k clock) keeps(d market.Date) bool {
	return d < k.today || d == k.today && k.closed
}
