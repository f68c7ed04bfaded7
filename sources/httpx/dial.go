package httpx

import (
	"net"
	"net/http"
	"net/netip"
	"time"
)

// baseFor returns the transport that carries cfg's requests when the caller
// gives none: http.DefaultTransport, or, when cfg binds a local address, a
// copy of it whose connections leave from that address. The sites budget
// each client address, so a machine with several addresses runs one process
// per address and each spends its own budget.
func baseFor(cfg Config) http.RoundTripper {
	if !cfg.LocalAddr.IsValid() {
		return http.DefaultTransport
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	d := &net.Dialer{
		LocalAddr: net.TCPAddrFromAddrPort(netip.AddrPortFrom(cfg.LocalAddr, 0)),
		// DefaultTransport's dialer values, which Clone cannot copy.
		Timeout:   30 * time.Second,
		KeepAlive: 30 * time.Second,
	}
	t.DialContext = d.DialContext
	return t
}
