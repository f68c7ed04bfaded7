package httpx

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// gzipped compresses n zero bytes: 16 MiB of them is about 16 KB on the wire.
func gzipped(t *testing.T, n int64) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := io.Copy(zw, io.LimitReader(zeros{}, n)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// hostile serves body with the given Content-Encoding and counts requests.
func hostile(t *testing.T, encoding string, body func(w io.Writer)) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		if encoding != "" {
			w.Header().Set("Content-Encoding", encoding)
		}
		w.Header().Set("Content-Type", "application/json")
		body(w)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// Every way a body can be too large once decompressed fails its request
// at once with ErrBodyTooLarge naming the URL and the cap; none is retried.
func TestHostileBodiesAreCappedDecompressed(t *testing.T) {
	bomb := gzipped(t, 16<<20) // twice the cap inflated; a real bomb is bigger, the cap the same
	serveBomb := func(w io.Writer) { w.Write(bomb) }
	endless := func(w io.Writer) { io.Copy(w, io.LimitReader(zeros{}, 200<<20)) }
	for _, tt := range []struct {
		name           string
		encoding       string
		body           func(io.Writer)
		acceptEncoding string // what the caller asked for (finance-go asks for gzip, deflate, br)
		base           http.RoundTripper
	}{
		{name: "gzip bomb", encoding: "gzip", body: serveBomb},
		{name: "gzip bomb, caller asked for gzip", encoding: "gzip", body: serveBomb, acceptEncoding: "gzip, deflate, br"},
		{name: "gzip bomb, base transport does not decompress", encoding: "gzip", body: serveBomb,
			base: &http.Transport{DisableCompression: true}},
		{name: "200 MB plain body", body: endless},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv, n := hostile(t, tt.encoding, tt.body)
			req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v8/finance/chart/AAPL", nil)
			if tt.acceptEncoding != "" {
				req.Header.Set("Accept-Encoding", tt.acceptEncoding)
			}
			resp, err := New(fast(Config{}), tt.base).Client().Do(req)
			if err == nil {
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				t.Fatalf("got a %d-byte body, want ErrBodyTooLarge", len(b))
			}
			want := "GET " + srv.URL + "/v8/finance/chart/AAPL: response body too large: over the 8 MiB cap (decompressed)"
			if !errors.Is(err, ErrBodyTooLarge) || !strings.Contains(err.Error(), want) || IsTransient(err) {
				t.Errorf("err = %v, want a permanent error containing %q", err, want)
			}
			if n.Load() != 1 {
				t.Errorf("server saw %d requests, want 1", n.Load())
			}
		})
	}
}

// A gzip body within the cap arrives decompressed, whoever decompresses it.
func TestGzipBodyWithinCap(t *testing.T) {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(`{"chart":{}}`))
	zw.Close()
	for _, base := range []http.RoundTripper{nil, &http.Transport{DisableCompression: true}} {
		srv, _ := hostile(t, "gzip", func(w io.Writer) { w.Write(b.Bytes()) })
		got, err := get(context.Background(), New(fast(Config{}), base).Client(), srv.URL)
		if err != nil || got != `{"chart":{}}` {
			t.Errorf("base %T: body %q, %v; want the decompressed JSON", base, got, err)
		}
	}
}

// An encoding we never asked for is a permanent error, not bytes handed to a parser.
func TestUnknownContentEncoding(t *testing.T) {
	srv, n := hostile(t, "br", func(w io.Writer) { w.Write([]byte{0x1b, 0x2c}) })
	_, err := get(context.Background(), New(fast(Config{}), nil).Client(), srv.URL)
	if err == nil || !strings.Contains(err.Error(), `unsupported Content-Encoding "br"`) || IsTransient(err) || n.Load() != 1 {
		t.Errorf("err = %v after %d requests, want one permanent unsupported-encoding error", err, n.Load())
	}
}
