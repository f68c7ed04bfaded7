package sourcetest

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"time"

	"github.com/marketd/marketd/sources/market"
)

// Market is the simulated market: an http.Handler serving Yahoo's and
// Naver's routes on one listener. It is safe for concurrent use.
type Market struct {
	opts    Options
	now     func() time.Time
	cals    map[string]Sessions
	insts   map[string]*instrument // configured, by code
	order   []*instrument          // configured, in Options order
	unknown map[string]bool
	limiter *limiter
	counter counter
	mux     *http.ServeMux

	mu   sync.Mutex
	seen map[string]uint64 // requests per URL, for fault draws

	calMu sync.Mutex // cals is filled as markets are first asked for

	done     chan struct{}
	doneOnce sync.Once
}

// New returns a market serving opts. It panics when opts is invalid (see
// Options.Validate): a test's mistake, not a runtime condition.
func New(opts Options) *Market {
	if err := opts.Validate(); err != nil {
		panic(err)
	}
	if opts.HistoryStart == 0 {
		opts.HistoryStart = market.NewDate(2000, time.January, 3)
	}
	if opts.MaxHang <= 0 {
		opts.MaxHang = time.Minute
	}
	m := &Market{
		opts: opts, now: opts.Now, cals: map[string]Sessions{},
		insts: map[string]*instrument{}, unknown: map[string]bool{},
		limiter: newLimiter(opts.Limits), seen: map[string]uint64{}, done: make(chan struct{}),
	}
	if m.now == nil {
		m.now = time.Now
	}
	for _, u := range opts.Unknown {
		if c, _, ok := splitYahoo(u); ok {
			u = c
		}
		m.unknown[u] = true
	}
	for i := range opts.Symbols {
		s := &opts.Symbols[i]
		code, board := s.Symbol, s.Board
		if c, b, ok := splitYahoo(code); ok {
			code, board = c, b
		}
		in := m.newInstrument(code, board, s)
		m.insts[code] = in
		m.order = append(m.order, in)
	}
	m.routes()
	return m
}

// route is one endpoint: a name for faults and stats, the group its rate
// limit defaults to, and a handler that returns the body rather than
// writing it, so faults can cut or replace it.
type route struct {
	name, group string
	serve       func(r *http.Request, drift bool) response
}

func (m *Market) routes() {
	m.mux = http.NewServeMux()
	add := func(pattern string, rt route) { m.mux.Handle(pattern, m.wrap(rt)) }
	add("GET /v8/finance/chart/{symbol}", route{RouteChart, GroupYahoo, m.chart})
	add("GET /sise.nhn", route{RouteFChart, GroupNaver, m.fchart})
	add("GET /siseJson.nhn", route{RouteSiseJSON, GroupNaver, m.siseJSON})
	add("GET /siseJson.naver", route{RouteSiseJSON, GroupNaver, m.siseJSON})
	add("GET /api/realtime/domestic/stock/{codes}", route{RoutePolling, GroupNaver, m.polling})
	add("GET /api/stocks/marketValue/{board}", route{RouteListing, GroupNaver, m.listing})
	add("GET /item/sise_day.naver", route{RouteSiseDay, GroupNaver, m.siseDay})
	add("GET /item/sise_day.nhn", route{RouteSiseDay, GroupNaver, m.siseDay})
}

// ServeHTTP implements http.Handler.
func (m *Market) ServeHTTP(w http.ResponseWriter, r *http.Request) { m.mux.ServeHTTP(w, r) }

// wrap applies the rate limit and the faults around a route.
func (m *Market) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, client := hostOf(r.Host), hostOf(r.RemoteAddr)
		m.counter.add(rt.name, host, client, func(c *Counts) { c.Requests++ })
		if ok, wait := m.limiter.allow(client, m.limiter.key(host, rt.group), time.Now()); !ok {
			m.counter.add(rt.name, host, client, func(c *Counts) { c.Violations++ })
			throttled(rt.group, wait).write(w)
			return
		}
		d := m.decide(rt.name, rt.group, r)
		if d.latency > 0 && !m.sleep(r.Context(), d.latency) {
			return
		}
		if d.kind != noFault {
			m.counter.add(rt.name, host, client, func(c *Counts) { c.Faults++ })
		}
		switch d.kind {
		case faultReset:
			reset(w)
			return
		case faultTimeout:
			m.sleep(r.Context(), m.opts.MaxHang)
			reset(w)
			return
		case faultServerError:
			text(d.status, http.StatusText(d.status)).write(w)
			return
		case faultGone:
			if rt.group == GroupNaver {
				m.siseDay(r, false).write(w)
			} else {
				text(http.StatusGone, "Gone").write(w)
			}
			return
		}
		resp := rt.serve(r, d.kind == faultDrift)
		switch d.kind {
		case faultTruncate:
			truncate(w, resp)
		case faultMalformed:
			malformed(resp).write(w)
		default:
			resp.write(w)
		}
	})
}

// throttled is the answer beyond a rate limit. Yahoo's is recorded (429,
// "Edge: Too Many Requests"). Naver's is not: the simulator answers 429
// too, with Retry-After, since a 403 would read as a permanent refusal.
func throttled(group string, wait time.Duration) response {
	body := "Edge: Too Many Requests"
	if group == GroupNaver {
		body = "Too Many Requests"
	}
	resp := text(http.StatusTooManyRequests, body)
	resp.retryAfter = max(1, int((wait+time.Second-1)/time.Second))
	return resp
}

// response is a complete answer, built before it is written.
type response struct {
	status      int
	contentType string
	body        []byte
	retryAfter  int // seconds; 0 = no header
}

func text(status int, body string) response {
	return response{status: status, contentType: "text/plain;charset=utf-8", body: []byte(body)}
}

func (resp response) header(w http.ResponseWriter) {
	w.Header().Set("Content-Type", resp.contentType)
	if resp.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(resp.retryAfter))
	}
}

func (resp response) write(w http.ResponseWriter) {
	resp.header(w)
	w.Header().Set("Content-Length", strconv.Itoa(len(resp.body)))
	w.WriteHeader(resp.status)
	_, _ = w.Write(resp.body)
}

// Start serves the market on a local test listener and returns its base
// URL and a function that stops it (hung requests are released first).
func (m *Market) Start() (url string, close func()) {
	srv := httptest.NewServer(m)
	return srv.URL, func() {
		m.Close()
		srv.Close()
	}
}

// Close releases requests hanging in a timeout fault or in latency. Call
// it before shutting down the server that serves m.
func (m *Market) Close() { m.doneOnce.Do(func() { close(m.done) }) }

// Stats returns the request tallies so far.
func (m *Market) Stats() Stats { return m.counter.stats() }

// calendar returns the sessions of market mic: the configured calendar, or
// the real one.
func (m *Market) calendar(mic string) Sessions {
	m.calMu.Lock()
	defer m.calMu.Unlock()
	if c, ok := m.cals[mic]; ok {
		return c
	}
	c := m.opts.Calendars[mic]
	if c == nil {
		c = defaultCalendar(mic)
	}
	m.cals[mic] = c
	return c
}
