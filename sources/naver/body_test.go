package naver

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"runtime"
	"testing"

	"github.com/marketd/marketd/sources/httpx"
)

// A body typed application/x-gzip reaches the parser as it came: colly
// inflated such bodies itself, past the transport's cap.
func TestGzipTypedBodyIsNotInflatedByColly(t *testing.T) {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	io.Copy(zw, io.LimitReader(zeros{}, 64<<20))
	zw.Close()
	h := &serveBody{contentType: "application/x-gzip", body: b.Bytes()}
	src := sourceWith(t, h, httpx.Config{})
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := src.Recent(context.Background(), inst("005930"), 3)
	runtime.ReadMemStats(&after)
	var perr *ParseError
	if !errors.As(err, &perr) {
		t.Fatalf("err = %v, want a ParseError of the compressed bytes", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
		t.Errorf("fetching a %d-byte body allocated %d MiB: inflated", b.Len(), alloc>>20)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
