package sourcetest

import (
	"fmt"
	"maps"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
)

// limiter enforces sliding-window limits per client address, as the sites
// do: a key (host or group) allows Requests in any Window to each client
// IP; a request beyond is refused and counted as a violation. Only
// accepted requests enter the window, so a client that backs off as told
// by Retry-After gets through.
type limiter struct {
	limits map[string]Limit
	mu     sync.Mutex
	log    map[window][]time.Time // accepted request times, ascending
}

// window is one client's budget under one limit.
type window struct{ client, key string }

func newLimiter(limits map[string]Limit) *limiter {
	return &limiter{limits: limits, log: make(map[window][]time.Time)}
}

// key returns the limit that applies to a request: its host's, else its
// group's; "" when none does.
func (l *limiter) key(host, group string) string {
	if _, ok := l.limits[host]; ok {
		return host
	}
	if _, ok := l.limits[group]; ok {
		return group
	}
	return ""
}

// allow records a request of client under key at now and reports whether it
// is within the limit; when it is not, retryAfter is when a slot frees up.
func (l *limiter) allow(client, key string, now time.Time) (ok bool, retryAfter time.Duration) {
	if key == "" {
		return true, 0
	}
	lim := l.limits[key]
	w := window{client, key}
	l.mu.Lock()
	defer l.mu.Unlock()
	times := l.log[w]
	cut := 0
	for cut < len(times) && !times[cut].After(now.Add(-lim.Window)) {
		cut++
	}
	times = times[cut:]
	if len(times) >= lim.Requests {
		l.log[w] = times
		return false, times[0].Add(lim.Window).Sub(now)
	}
	l.log[w] = append(times, now)
	return true, 0
}

// hostOf strips the port from a Host header or a client's address.
func hostOf(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return hostport
}

// ParseLimits parses the --rate flag: comma-separated KEY=N/UNIT, where KEY
// is a route group (yahoo, naver) or a host name and UNIT is s, m or h
// ("yahoo=100/m,naver=10/s").
func ParseLimits(spec string) (map[string]Limit, error) {
	out := map[string]Limit{}
	for item := range strings.SplitSeq(spec, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		key, rate, ok := strings.Cut(item, "=")
		if !ok || key == "" {
			return nil, fmt.Errorf("rate %q: want KEY=N/UNIT, e.g. yahoo=100/m", item)
		}
		num, unit, ok := strings.Cut(rate, "/")
		n, err := strconv.Atoi(num)
		if !ok || err != nil || n <= 0 {
			return nil, fmt.Errorf("rate %q: %q is not N/UNIT with a positive integer N", item, rate)
		}
		var w time.Duration
		switch unit {
		case "s":
			w = time.Second
		case "m":
			w = time.Minute
		case "h":
			w = time.Hour
		default:
			return nil, fmt.Errorf("rate %q: unit %q is not s, m or h", item, unit)
		}
		out[key] = Limit{Requests: n, Window: w}
	}
	return out, nil
}

// Counts are request tallies.
type Counts struct {
	Requests   int64 // every request that reached the market
	Violations int64 // requests beyond a rate limit (a well-behaved client has none)
	Faults     int64 // requests answered with an injected fault
}

// Stats are the market's tallies so far, in total, per route, per host
// (as the client named it) and per client IP address.
type Stats struct {
	Counts
	Routes  map[string]Counts
	Hosts   map[string]Counts
	Clients map[string]Counts
}

type counter struct {
	mu     sync.Mutex
	total  Counts
	route  map[string]Counts
	host   map[string]Counts
	client map[string]Counts
}

func (c *counter) add(route, host, client string, f func(*Counts)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.route == nil {
		c.route, c.host, c.client = map[string]Counts{}, map[string]Counts{}, map[string]Counts{}
	}
	f(&c.total)
	for _, t := range []struct {
		m map[string]Counts
		k string
	}{{c.route, route}, {c.host, host}, {c.client, client}} {
		v := t.m[t.k]
		f(&v)
		t.m[t.k] = v
	}
}

func (c *counter) stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Stats{Counts: c.total, Routes: maps.Clone(c.route), Hosts: maps.Clone(c.host), Clients: maps.Clone(c.client)}
}
