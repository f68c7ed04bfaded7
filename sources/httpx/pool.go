package httpx

import (
	"net/http"
	"sort"
	"sync"
)

// Pool is an http.RoundTripper that gives every host its own Transport,
// all made from one Config: a source that talks to several hosts (Naver
// has four) gets one rate limit and one 429 pause per host from a single
// *http.Client.
type Pool struct {
	cfg  Config
	base http.RoundTripper

	mu    sync.Mutex
	hosts map[string]*Transport
}

// NewPool returns a Pool whose transports send through base (when nil, one
// transport for all hosts, bound to cfg.LocalAddr if set).
func NewPool(cfg Config, base http.RoundTripper) *Pool {
	if base == nil {
		base = baseFor(cfg)
	}
	return &Pool{cfg: cfg, base: base, hosts: map[string]*Transport{}}
}

// Client returns an http.Client that sends through p.
func (p *Pool) Client() *http.Client { return &http.Client{Transport: p} }

// Host returns the Transport for host (host[:port] as in a URL), making it
// on first use.
func (p *Pool) Host(host string) *Transport {
	p.mu.Lock()
	defer p.mu.Unlock()
	t, ok := p.hosts[host]
	if !ok {
		t = New(p.cfg, p.base)
		p.hosts[host] = t
	}
	return t
}

// RoundTrip sends req through its host's Transport.
func (p *Pool) RoundTrip(req *http.Request) (*http.Response, error) {
	return p.Host(req.URL.Host).RoundTrip(req)
}

// Stats returns each host's counters, keyed by host.
func (p *Pool) Stats() map[string]Stats {
	p.mu.Lock()
	hosts := make([]string, 0, len(p.hosts))
	for h := range p.hosts {
		hosts = append(hosts, h)
	}
	p.mu.Unlock()
	sort.Strings(hosts)
	out := make(map[string]Stats, len(hosts))
	for _, h := range hosts {
		out[h] = p.Host(h).Stats()
	}
	return out
}

// Total returns the counters of every host added together, and the
// longest 429 pause in force.
func (p *Pool) Total() Stats {
	total := Stats{Statuses: map[int]int64{}}
	for _, s := range p.Stats() {
		total.Requests += s.Requests
		total.Throttled += s.Throttled
		total.Retries += s.Retries
		total.Failures += s.Failures
		total.Waited += s.Waited
		total.Paused = max(total.Paused, s.Paused)
		for k, v := range s.Statuses {
			total.Statuses[k] += v
		}
	}
	return total
}
