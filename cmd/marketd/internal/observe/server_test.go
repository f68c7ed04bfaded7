package observe

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// countingListener counts the connections the server holds open: the
// descriptors a flood can take from the rest of the process.
type countingListener struct {
	net.Listener
	open, peak atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	n := l.open.Add(1)
	for {
		p := l.peak.Load()
		if n <= p || l.peak.CompareAndSwap(p, n) {
			break
		}
	}
	return &countedConn{Conn: c, l: l}, nil
}

type countedConn struct {
	net.Conn
	l    *countingListener
	once sync.Once
}

func (c *countedConn) Close() error {
	c.once.Do(func() { c.l.open.Add(-1) })
	return c.Conn.Close()
}

// serve starts NewServer on a loopback port with short limits.
func serve(t *testing.T, lim Limits) (addr string, cl *countingListener) {
	t.Helper()
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cl = &countingListener{Listener: raw}
	srv, ln := NewServer(cl, Handler(NewMetrics(nil), pinger{}, running(true)), lim, nil)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return raw.Addr().String(), cl
}

var floodLimits = Limits{
	MaxConns:          8,
	ReadHeaderTimeout: 100 * time.Millisecond,
	ReadTimeout:       time.Second,
	WriteTimeout:      time.Second,
	IdleTimeout:       100 * time.Millisecond,
	MaxHeaderBytes:    1 << 10,
}

// healthz asks /healthz on a new connection and returns its status and body.
func healthz(addr string) (int, string, error) {
	c := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get("http://" + addr + "/healthz")
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// A flood of idle connections and unfinished headers holds at most
// MaxConns of the server's descriptors, each for at most the header
// timeout, and /healthz still answers.
func TestServerUnderConnectionFlood(t *testing.T) {
	addr, cl := serve(t, floodLimits)
	var conns []net.Conn
	t.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	for i := range 120 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		if i%4 == 0 { // a slow header: started, never finished
			fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
		}
		conns = append(conns, c)
	}
	code, body, err := healthz(addr)
	if err != nil || code != http.StatusOK || body != "ok\n" {
		t.Fatalf("/healthz under a flood of 120 idle connections = %d %q, %v; want 200 ok", code, body, err)
	}
	if peak := cl.peak.Load(); peak > int64(floodLimits.MaxConns) {
		t.Errorf("server held %d connections at once, want at most MaxConns = %d", peak, floodLimits.MaxConns)
	}
	// Every flood connection was closed by the server: reading it ends.
	for i, c := range conns {
		c.SetReadDeadline(time.Now().Add(20 * time.Second))
		if _, err := io.Copy(io.Discard, c); err != nil {
			t.Fatalf("flood connection %d: not closed by the server: %v", i, err)
		}
	}
}

// A keep-alive connection with no next request is closed after IdleTimeout.
func TestServerClosesIdleKeepAlive(t *testing.T) {
	addr, cl := serve(t, floodLimits)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Close {
		t.Fatalf("first answer %d (close %v), want 200 kept alive", resp.StatusCode, resp.Close)
	}
	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	if n, err := br.Read(make([]byte, 1)); n != 0 || !errors.Is(err, io.EOF) {
		t.Fatalf("idle keep-alive connection: read %d bytes, %v; want the server to close it (EOF)", n, err)
	}
	if open := cl.open.Load(); open != 0 {
		t.Errorf("%d connections still open on the server", open)
	}
}

// Headers beyond MaxHeaderBytes are refused with 431, not buffered.
func TestServerRefusesLargeHeaders(t *testing.T) {
	addr, _ := serve(t, Limits{MaxHeaderBytes: DefaultMaxHeaderBytes})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	go fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\n\r\n", strings.Repeat("a", 64<<10))
	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("64 KiB header: status %d, want 431", resp.StatusCode)
	}
}
