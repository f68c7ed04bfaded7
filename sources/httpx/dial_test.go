package httpx

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"testing"
)

func TestLocalAddrBindsEveryHostsRequests(t *testing.T) {
	recA, srvA := serve(t)
	recB, srvB := serve(t)
	local := netip.MustParseAddr("127.0.0.2")
	p := NewPool(fast(Config{LocalAddr: local}), nil)
	for _, u := range []string{srvA.URL, srvB.URL, srvA.URL} {
		if _, err := get(context.Background(), p.Client(), u); err != nil {
			t.Fatalf("GET %s: %v", u, err)
		}
	}
	tr := New(fast(Config{LocalAddr: netip.MustParseAddr("127.0.0.3")}), nil)
	if _, err := get(context.Background(), tr.Client(), srvB.URL); err != nil {
		t.Fatalf("GET %s through a Transport: %v", srvB.URL, err)
	}

	remotes := func(rec *recorder) []string {
		var out []string
		for _, h := range rec.snapshot() {
			host, _, err := net.SplitHostPort(h.remote)
			if err != nil {
				t.Fatalf("remote %q: %v", h.remote, err)
			}
			out = append(out, host)
		}
		return out
	}
	if got := remotes(recA); len(got) != 2 || got[0] != "127.0.0.2" || got[1] != "127.0.0.2" {
		t.Errorf("host A saw requests from %v, want [127.0.0.2 127.0.0.2]", got)
	}
	if got := remotes(recB); len(got) != 2 || got[0] != "127.0.0.2" || got[1] != "127.0.0.3" {
		t.Errorf("host B saw requests from %v, want [127.0.0.2 127.0.0.3]", got)
	}
}

func TestNoLocalAddrUsesTheDefaultTransport(t *testing.T) {
	if got := baseFor(Config{}); got != http.DefaultTransport {
		t.Errorf("baseFor(no LocalAddr) = %T %p, want http.DefaultTransport", got, got)
	}
}
