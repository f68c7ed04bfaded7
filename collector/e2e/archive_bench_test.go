package e2e_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/marketd/marketd/collector"
	"github.com/marketd/marketd/sources/httpx"
	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/sourcetest"
	"github.com/marketd/marketd/store"
	"github.com/marketd/marketd/store/storetest"
)

var archiveCodes = flag.Int("e2e.archive-codes", 2700, "KRX codes in BenchmarkArchiveMinutes (390 one-minute bars each)")

// BenchmarkArchiveMinutes is the after-close archive of -e2e.archive-codes
// KRX codes at 1m: one 390-minute session each (1.05M rows for 2,700),
// fetched from the unthrottled simulated market through the real Naver
// source (one minute-archive request per code), parsed and written by
// collector.ArchiveMinutes. s is the pipeline's wall time (target: ≤ 10 s
// on MariaDB for 2,700 codes); MB_per_Mrows what a million minute bars
// take on disk afterwards: InnoDB's data and index length after ANALYZE
// TABLE, SQLite's pages of minute_bars (dbstat). The simulated market
// runs in the same process: cpu_s, this process's CPU time over the run,
// counts its serving too (MariaDB's work is in its own process), and
// stays put when other load on the machine stretches the wall time.
func BenchmarkArchiveMinutes(b *testing.B) {
	b.Run("mysql", func(b *testing.B) {
		benchArchive(b, storetest.OpenMySQL, func(ctx context.Context, st *store.Store) (int64, error) {
			if _, err := st.DB().ExecContext(ctx, "ANALYZE TABLE minute_bars"); err != nil {
				return 0, err
			}
			var n int64
			err := st.DB().QueryRowContext(ctx, `SELECT SUM(DATA_LENGTH + INDEX_LENGTH) FROM information_schema.PARTITIONS
				WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'minute_bars'`).Scan(&n)
			return n, err
		})
	})
	b.Run("sqlite", func(b *testing.B) {
		benchArchive(b, storetest.OpenSQLite, func(ctx context.Context, st *store.Store) (int64, error) {
			var n int64
			err := st.DB().QueryRowContext(ctx, `SELECT SUM(pgsize) FROM dbstat WHERE name = 'minute_bars'`).Scan(&n)
			return n, err
		})
	})
}

func benchArchive(b *testing.B, open func(testing.TB) *store.Store, size func(context.Context, *store.Store) (int64, error)) {
	n := *archiveCodes
	ctx := context.Background()
	// Friday 2026-03-06, 21:00 in Seoul: Friday's session is due, every
	// code having Thursday's last minute stored.
	clock := clockAt(fixedNow)
	thursdayClose := time.Date(2026, 3, 5, 6, 29, 0, 0, time.UTC)
	insts := make([]market.Instrument, n)
	syms := make([]sourcetest.Symbol, n)
	seed := make([]store.MinuteWrite, n)
	for i := range n {
		code := fmt.Sprintf("9%05d", i)
		insts[i] = market.Instrument{Key: market.Key{Source: market.SourceNaver, Symbol: code}, Market: market.XKRX, Board: "KOSPI",
			Active: true, Intraday: market.Interval1m}
		syms[i] = sourcetest.Symbol{Symbol: code}
		seed[i] = store.MinuteWrite{Key: insts[i].Key, Interval: market.Interval1m,
			Bars: []market.MinuteBar{{Start: thursdayClose, Close: market.DecimalFromInt(1)}}}
	}
	var wall, cpu time.Duration
	var rows, bytes int64
	for b.Loop() {
		b.StopTimer()
		st := open(b)
		m := sourcetest.New(sourcetest.Options{Now: clock, Symbols: syms})
		url := server(b, m, m)
		warmWalks(b, m, syms)
		if _, err := st.AddInstruments(ctx, insts); err != nil {
			b.Fatal(err)
		}
		if _, err := st.WriteMinutes(ctx, seed); err != nil {
			b.Fatal(err)
		}
		p := newPipeline(b, st, url, clock, httpx.Config{MinBackoff: time.Millisecond},
			collector.Config{Sources: map[string]collector.SourceConfig{market.SourceNaver: {Workers: 8}}})
		b.StartTimer()
		start, cpu0 := time.Now(), storetest.ProcessCPU(b)
		s, err := p.c.ArchiveMinutes(ctx, collector.ArchiveRequest{})
		wall += time.Since(start)
		cpu += storetest.ProcessCPU(b) - cpu0
		b.StopTimer()
		if err != nil || s.OK != n || s.Failed != 0 || s.Inserted != 390*n {
			b.Fatalf("archive: %s, %v; want %d ok and %d rows inserted", s, err, n, 390*n)
		}
		rows += int64(s.Inserted)
		if bytes, err = size(ctx, st); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(wall.Seconds()/float64(b.N), "s")
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu_s")
	b.ReportMetric(float64(rows)/wall.Seconds(), "rows/s")
	b.ReportMetric(float64(bytes)/float64(390*n+n)*1e6/(1<<20), "MB_per_Mrows")
}

// warmWalks asks the simulated market once for each code's minute archive,
// in process, before the timer starts. On a code's first request the
// market walks its random daily history from the listing, years of
// sessions, and keeps the tail it serves from (sourcetest's walked); that
// walk is the simulation's cost, not the pipeline's, and was a sixth of
// this benchmark's CPU. The timed run still fetches, serves and renders
// every body over HTTP.
func warmWalks(b *testing.B, m *sourcetest.Market, syms []sourcetest.Symbol) {
	b.Helper()
	for _, s := range syms {
		w := httptest.NewRecorder()
		m.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/sise.nhn?symbol="+s.Symbol+"&timeframe=minute&count=1&requestType=0", nil))
		if w.Code != http.StatusOK || !bytes.Contains(w.Body.Bytes(), []byte("<item ")) {
			b.Fatalf("warming %s: HTTP %d %.200s", s.Symbol, w.Code, w.Body.Bytes())
		}
	}
}
