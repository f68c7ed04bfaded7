package e2e_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store/sqlite"
)

// A hostile Yahoo host: every chart request gets a gzip bomb (about 1 MB
// on the wire, 1 GiB inflated) or a 200 MB body.
const (
	hostileBomb  = "gzip-bomb"
	hostilePlain = "200MB-body"
)

// bombOnce is 16 gzip members of 64 MiB of zeros each: gzip readers read
// concatenated members as one stream, and compressing 64 MiB once is quick.
var bombOnce = sync.OnceValue(func() []byte {
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	io.Copy(zw, io.LimitReader(zeroReader{}, 64<<20))
	zw.Close()
	return bytes.Repeat(b.Bytes(), 16)
})

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func hostileServer(tb testing.TB, kind string) string {
	tb.Helper()
	bomb := bombOnce()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if kind == hostileBomb {
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(bomb)
			return
		}
		io.Copy(w, io.LimitReader(zeroReader{}, 200<<20))
	}))
	tb.Cleanup(srv.Close)
	return srv.URL
}

// hostileBackfill runs `marketd backfill` of 8 Yahoo instruments at 4
// workers against a hostile host and returns its exit code, output, peak
// RSS in KiB, the host's URL and the SQLite file.
func hostileBackfill(tb testing.TB, kind string) (code int, out string, rssKiB float64, url, dbPath string) {
	tb.Helper()
	bin := marketdBinary(tb)
	requireCommand(tb, bin, "backfill")
	url = hostileServer(tb, kind)
	dbPath = filepath.Join(tb.TempDir(), "marketd.db")
	db := "sqlite:" + dbPath
	var syms []string
	for i := range 8 {
		syms = append(syms, fmt.Sprintf("HOST%c", 'A'+i))
	}
	env := append(cleanEnv(), "MARKETD_DATABASE="+db, "MARKETD_LOG_LEVEL=warn",
		"MARKETD_SOURCES_YAHOO_BASE_URL="+url, "MARKETD_SOURCES_YAHOO_RATE=unlimited",
		"MARKETD_SOURCES_YAHOO_WORKERS=4")
	// Seeded through the store: symbols add would ask the hostile host
	// what each symbol is, and the subject here is the backfill.
	st, err := sqlite.Open(context.Background(), dbPath)
	if err != nil {
		tb.Fatal(err)
	}
	if err := st.Migrate(context.Background()); err != nil {
		tb.Fatal(err)
	}
	insts := make([]market.Instrument, len(syms))
	for i, sym := range syms {
		insts[i] = market.Instrument{Key: market.Key{Source: market.SourceYahoo, Symbol: sym}, Market: market.XNYS, Active: true}
	}
	if _, err := st.AddInstruments(context.Background(), insts); err != nil {
		tb.Fatal(err)
	}
	st.Close()
	cmd := exec.Command(bin, "backfill", "--source", "yahoo", "--from", "2000-01-03", "--to", "2026-03-05")
	cmd.Env = env
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	stop := watchHWM(cmd.Process.Pid)
	err = cmd.Wait()
	rssKiB = stop()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		tb.Fatal(err)
	}
	return cmd.ProcessState.ExitCode(), buf.String(), rssKiB, url, dbPath
}

// The shipped unit has 256 MiB (GOMEMLIMIT 200 MiB): a gzip bomb or an
// endless body to every worker must fail each instrument with the cap
// named, and keep the process under 128 MiB.
func TestHostileBodiesBoundMemory(t *testing.T) {
	for _, kind := range []string{hostileBomb, hostilePlain} {
		t.Run(kind, func(t *testing.T) {
			code, out, rss, url, dbPath := hostileBackfill(t, kind)
			if code != 1 {
				t.Errorf("exit code %d, want 1 (instruments failed)\n%s", code, out)
			}
			st, err := sqlite.Open(context.Background(), dbPath)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			run, ok, err := st.RunByID(context.Background(), 1)
			if err != nil || !ok {
				t.Fatalf("run 1: %v, found %v", err, ok)
			}
			if run.Failed != 8 || len(run.Results) != 8 {
				t.Fatalf("run 1: %d failed, %d results; want 8 failed\n%s", run.Failed, len(run.Results), out)
			}
			for _, r := range run.Results {
				want := "yahoo " + r.Key.Symbol + ": GET " + url + "/v8/finance/chart/" + r.Key.Symbol + "?"
				if r.Status != "failed" || !strings.HasPrefix(r.Error, want) ||
					!strings.HasSuffix(r.Error, ": response body too large: over the 8 MiB cap (decompressed)") {
					t.Errorf("%s: %s %q, want failed with an error naming the URL and the 8 MiB cap", r.Key, r.Status, r.Error)
				}
			}
			if mb := rss / 1024; mb > 128 {
				t.Errorf("peak RSS %.0f MB, want at most 128 MB", mb)
			}
			t.Logf("%s: peak RSS %.1f MB", kind, rss/1024)
		})
	}
}

// BenchmarkHostileBackfill reports marketd's peak RSS while every response
// of a backfill (8 instruments, 4 workers) is a gzip bomb or a 200 MB body,
// beside BenchmarkBackfillPipeline's marketd_peak_rss_MB.
func BenchmarkHostileBackfill(b *testing.B) {
	bombOnce() // made once, outside the timing
	for _, kind := range []string{hostileBomb, hostilePlain} {
		b.Run(kind, func(b *testing.B) {
			var rss float64
			for b.Loop() {
				code, out, kib, _, _ := hostileBackfill(b, kind)
				if code != 1 {
					b.Fatalf("exit code %d, want 1\n%s", code, out)
				}
				rss = max(rss, kib)
			}
			b.ReportMetric(rss/1024, "marketd_peak_rss_MB")
		})
	}
}
