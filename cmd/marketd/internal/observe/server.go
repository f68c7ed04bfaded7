package observe

import (
	"log"
	"net"
	"net/http"
	"time"

	"golang.org/x/net/netutil"
)

// Limits bound what clients of the HTTP endpoints can hold of the daemon.
// Without them a flood of idle keep-alive connections used up the unit's
// file limit (the scheduler's database connections then failed with "too
// many open files") and unfinished 1 MB headers took hundreds of MB.
// Zero fields take the defaults.
type Limits struct {
	// MaxConns caps the connections served at once; beyond it new ones
	// wait in the kernel's accept queue, holding none of our descriptors.
	// A probe and a scraper need a handful.
	MaxConns int
	// ReadHeaderTimeout closes a connection whose request headers have not
	// all arrived in time (slow-header clients).
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request; WriteTimeout writing the
	// answer (a /metrics scrape is the largest, a few hundred KB).
	ReadTimeout  time.Duration
	WriteTimeout time.Duration
	// IdleTimeout closes a keep-alive connection with no next request.
	IdleTimeout time.Duration
	// MaxHeaderBytes caps a request's headers; the endpoints take no
	// headers that matter, so a few KB is plenty. Larger gets 431.
	MaxHeaderBytes int
}

// Defaults of Limits.
const (
	DefaultMaxConns          = 64
	DefaultReadHeaderTimeout = 5 * time.Second
	DefaultReadTimeout       = 10 * time.Second
	DefaultWriteTimeout      = 30 * time.Second
	DefaultIdleTimeout       = 60 * time.Second
	DefaultMaxHeaderBytes    = 8 << 10
)

func (l Limits) withDefaults() Limits {
	if l.MaxConns <= 0 {
		l.MaxConns = DefaultMaxConns
	}
	if l.ReadHeaderTimeout <= 0 {
		l.ReadHeaderTimeout = DefaultReadHeaderTimeout
	}
	if l.ReadTimeout <= 0 {
		l.ReadTimeout = DefaultReadTimeout
	}
	if l.WriteTimeout <= 0 {
		l.WriteTimeout = DefaultWriteTimeout
	}
	if l.IdleTimeout <= 0 {
		l.IdleTimeout = DefaultIdleTimeout
	}
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	return l
}

// NewServer returns a server for h with lim's timeouts and header cap, and
// ln wrapped to serve at most lim.MaxConns connections at once: pass the
// returned listener to Serve.
func NewServer(ln net.Listener, h http.Handler, lim Limits, errorLog *log.Logger) (*http.Server, net.Listener) {
	lim = lim.withDefaults()
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: lim.ReadHeaderTimeout,
		ReadTimeout:       lim.ReadTimeout,
		WriteTimeout:      lim.WriteTimeout,
		IdleTimeout:       lim.IdleTimeout,
		MaxHeaderBytes:    lim.MaxHeaderBytes,
		ErrorLog:          errorLog,
	}
	return srv, netutil.LimitListener(ln, lim.MaxConns)
}
