package sourcetest

import (
	"time"

	"github.com/marketd/marketd/sources/market"
)

// Options configures a simulated Market. The zero value serves any symbol
// on the real exchange calendars (sources/market/calendar), with no rate limits
// and no faults.
type Options struct {
	// Symbols configures instruments. Symbols not listed here still have a
	// history (seeded by the symbol) unless OnlyListed is set; the KRX ones
	// listed here make up the market listing.
	Symbols []Symbol
	// OnlyListed makes every symbol missing from Symbols unknown.
	OnlyListed bool
	// Unknown symbols are answered as the sites answer unknown symbols:
	// Yahoo 404, fchart <protocol />, absent from polling.
	Unknown []string

	// Now is the simulated wall clock (nil = time.Now). It decides the
	// session in progress, its provisional bar and the split adjustment.
	Now func() time.Time
	// Seed varies every synthetic history and fault decision.
	Seed uint64
	// HistoryStart is the first session of a symbol with no Listed date
	// (zero = 2000-01-03).
	HistoryStart market.Date
	// Calendars by MIC (XKRX, XNYS); a missing one defaults to
	// sources/market/calendar, or weekdays when that does not know the market.
	Calendars map[string]Sessions

	// Limits are sliding-window rate limits keyed by a host name as sent
	// in the Host header (port stripped) or by a route group ("yahoo",
	// "naver"). A host's own entry wins over its group's. Each client IP
	// address has its own budget under each limit, as on the real sites.
	Limits map[string]Limit
	// Faults are injected per route ("chart", "fchart", "sisejson",
	// "polling", "listing", "sise_day") or per group ("yahoo", "naver");
	// a route's entry replaces its group's.
	Faults map[string]Fault
	// MaxHang bounds a timeout fault when the client never gives up
	// (zero = one minute).
	MaxHang time.Duration
}

// Symbol configures one instrument.
type Symbol struct {
	// Symbol is a US ticker ("AAPL") or a KRX code ("005930"); a KRX code
	// may carry Yahoo's board suffix ("247540.KQ"), which sets Board.
	Symbol string
	Board  string // KOSPI (default) or KOSDAQ, for KRX codes
	Name   string // in Korean for KRX codes; synthetic when empty
	// Listed is the first session; Delisted the last (zero = none). Yahoo
	// answers 404 for a symbol delisted before today; Naver keeps serving
	// its history but drops it from polling and the listing.
	Listed, Delisted market.Date
	Splits           []Split
	Dividends        []Dividend
	// Halts are sessions without trading: Naver serves o|h|l = 0 and v = 0
	// with the close carried over; Yahoo serves volume 0 and open = high =
	// low = close = the carried close.
	Halts []market.Date
	// YahooNulls are nulls in Yahoo's arrays.
	YahooNulls []Null
	// Illiquid instruments trade in only some minutes of a session (about
	// one in four): their minute series has holes, as thin stocks' do.
	Illiquid bool
}

// Split is a split effective on its ex-date: Numerator new shares for
// Denominator old ones (4:1 is {4, 1}).
type Split struct {
	Date                   market.Date
	Numerator, Denominator int64
}

// Dividend is a cash dividend per share at the time of its ex-date, in the
// instrument's currency (Yahoo serves it split-adjusted).
type Dividend struct {
	Date   market.Date
	Amount market.Decimal
}

// Null makes Yahoo serve null for some fields of one session: open, high,
// low, close, volume, adjclose; none listed means the whole row.
type Null struct {
	Date   market.Date
	Fields []string
}

// Limit allows Requests per sliding Window.
type Limit struct {
	Requests int
	Window   time.Duration
}

// Fault sets the faults injected into a route. Rates are probabilities per
// request in [0, 1]; each request draws them independently, from the seed,
// the request's host and URL, and how often that URL was asked before, so
// a retried request can succeed and a run is reproducible.
type Fault struct {
	ServerError float64       // 500, 502 or 503
	Latency     time.Duration // added to every request
	Reset       float64       // connection closed with no response
	Timeout     float64       // no response until the client gives up (or MaxHang)
	Truncate    float64       // Content-Length larger than the body sent, then close
	Malformed   float64       // a complete 200 whose body is cut mid-structure
	Gone        float64       // 410 Gone
	Drift       float64       // the body in a changed format (renamed fields)
}
