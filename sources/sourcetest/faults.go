package sourcetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Route and group names, as used in Options.Faults, Options.Limits and Stats.
const (
	GroupYahoo = "yahoo"
	GroupNaver = "naver"

	RouteChart    = "chart"
	RouteFChart   = "fchart"
	RouteSiseJSON = "sisejson"
	RoutePolling  = "polling"
	RouteListing  = "listing"
	RouteSiseDay  = "sise_day"
)

var faultKeys = []string{GroupYahoo, GroupNaver, RouteChart, RouteFChart, RouteSiseJSON, RoutePolling, RouteListing, RouteSiseDay}

func (f Fault) validate() error {
	for name, p := range map[string]float64{
		"5xx": f.ServerError, "reset": f.Reset, "timeout": f.Timeout, "truncate": f.Truncate,
		"malformed": f.Malformed, "410": f.Gone, "drift": f.Drift,
	} {
		if p < 0 || p > 1 {
			return fmt.Errorf("%s=%v: want a probability in [0, 1]", name, p)
		}
	}
	if f.Latency < 0 {
		return fmt.Errorf("latency=%s: want a positive duration", f.Latency)
	}
	return nil
}

// ParseFaults parses the --faults flag: TARGET:KEY=VALUE,... groups joined
// by ';', where TARGET is a group (yahoo, naver) or a route (chart, fchart,
// sisejson, polling, listing, sise_day) and KEY is one of 5xx, reset,
// timeout, truncate, malformed, 410, drift (probabilities) or latency (a
// duration): "yahoo:5xx=0.05,timeout=0.02;naver:latency=50ms,drift=1".
func ParseFaults(spec string) (map[string]Fault, error) {
	out := map[string]Fault{}
	for part := range strings.SplitSeq(spec, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		target, list, ok := strings.Cut(part, ":")
		if !ok || !slices.Contains(faultKeys, target) {
			return nil, fmt.Errorf("faults %q: want TARGET:KEY=VALUE,... with TARGET one of %v", part, faultKeys)
		}
		f := out[target]
		for kv := range strings.SplitSeq(list, ",") {
			key, val, ok := strings.Cut(strings.TrimSpace(kv), "=")
			if !ok {
				return nil, fmt.Errorf("faults %s: %q is not KEY=VALUE", target, kv)
			}
			if key == "latency" {
				d, err := time.ParseDuration(val)
				if err != nil {
					return nil, fmt.Errorf("faults %s: latency %q: %w", target, val, err)
				}
				f.Latency = d
				continue
			}
			p, err := strconv.ParseFloat(val, 64)
			if err != nil {
				return nil, fmt.Errorf("faults %s: %s=%q is not a number", target, key, val)
			}
			switch key {
			case "5xx":
				f.ServerError = p
			case "reset":
				f.Reset = p
			case "timeout":
				f.Timeout = p
			case "truncate":
				f.Truncate = p
			case "malformed":
				f.Malformed = p
			case "410", "gone":
				f.Gone = p
			case "drift":
				f.Drift = p
			default:
				return nil, fmt.Errorf("faults %s: unknown key %q (want 5xx, latency, reset, timeout, truncate, malformed, 410, drift)", target, key)
			}
		}
		if err := f.validate(); err != nil {
			return nil, fmt.Errorf("faults %s: %w", target, err)
		}
		out[target] = f
	}
	return out, nil
}

type faultKind int

const (
	noFault faultKind = iota
	faultReset
	faultTimeout
	faultServerError
	faultGone
	faultTruncate
	faultMalformed
	faultDrift
)

// decision is what the market does to one request.
type decision struct {
	kind    faultKind
	status  int // for faultServerError
	latency time.Duration
}

// decide draws the faults of one request. The draw depends on the seed,
// the route, the host and URL, and the number of earlier requests for the
// same URL, never on the order in which concurrent requests arrive.
func (m *Market) decide(route, group string, r *http.Request) decision {
	f, ok := m.opts.Faults[route]
	if !ok {
		f = m.opts.Faults[group]
	}
	if f == (Fault{}) {
		return decision{}
	}
	key := route + " " + hostOf(r.Host) + " " + r.URL.RequestURI()
	m.mu.Lock()
	n := m.seen[key]
	m.seen[key]++
	m.mu.Unlock()
	rng := rand.New(rand.NewPCG(symbolSeed(m.opts.Seed, key), n))
	d := decision{latency: f.Latency}
	draws := []struct {
		p    float64
		kind faultKind
	}{
		{f.Reset, faultReset}, {f.Timeout, faultTimeout}, {f.ServerError, faultServerError},
		{f.Gone, faultGone}, {f.Truncate, faultTruncate}, {f.Malformed, faultMalformed}, {f.Drift, faultDrift},
	}
	for _, dr := range draws {
		if u := rng.Float64(); d.kind == noFault && u < dr.p {
			d.kind = dr.kind
		}
	}
	d.status = []int{http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable}[rng.IntN(3)]
	return d
}

// sleep waits d or until the request or the market ends.
func (m *Market) sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
	case <-m.done:
	}
	return false
}

// reset closes the connection without a response: an RST where the
// connection can be hijacked, an abort elsewhere.
func reset(w http.ResponseWriter) {
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.SetLinger(0) // close with RST, as a dropped connection looks
		}
		_ = conn.Close()
		return
	}
	panic(http.ErrAbortHandler)
}

// truncate sends the headers of the full body and half of it, then drops
// the connection.
func truncate(w http.ResponseWriter, resp response) {
	resp.header(w)
	w.Header().Set("Content-Length", strconv.Itoa(len(resp.body)))
	w.WriteHeader(resp.status)
	_, _ = w.Write(resp.body[:len(resp.body)/2])
	if err := http.NewResponseController(w).Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return
	}
	panic(http.ErrAbortHandler)
}

// malformed cuts a body inside its structure and sends it as if complete.
func malformed(resp response) response {
	resp.body = resp.body[:len(resp.body)*2/3]
	return resp
}
