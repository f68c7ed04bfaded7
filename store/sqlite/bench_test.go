package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
	"github.com/marketd/marketd/store/sqlite"
	"github.com/marketd/marketd/store/storetest"
)

// The latest-bar benchmark's table, as on MariaDB: 3,000 instruments ×
// 3,334 days.
const (
	latestInstruments = 3000
	latestDays        = 3334
)

// BenchmarkLatestBars reads the latest bar of 3,000 instruments from a
// 10M-row SQLite file. The file is built once in the temporary directory
// (about 1 GB; several minutes) before latest_bars existed, then
// migrated, and kept for later runs. i CROSS JOIN d makes SQLite loop
// over the instruments outside: rows arrive in primary-key order.
func BenchmarkLatestBars(b *testing.B) {
	ctx := context.Background()
	s := latestStore(b, filepath.Join(os.TempDir(), "marketd_bench_latest.db"))
	keys := make([]market.Key, latestInstruments)
	for i := range keys {
		keys[i] = market.Key{Source: market.SourceYahoo, Symbol: fmt.Sprintf("S%04d", i)}
	}
	want := market.NewDate(2010, 1, 4).AddDays(latestDays - 1)
	var times []time.Duration
	for b.Loop() {
		start := time.Now()
		got, err := s.LatestBars(ctx, keys)
		times = append(times, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
		if len(got) != latestInstruments || got[keys[1234]].Date != want {
			b.Fatalf("LatestBars returned %d bars, %s's dated %s; want %d dated %s",
				len(got), keys[1234], got[keys[1234]].Date, latestInstruments, want)
		}
	}
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "p50_ms")
	b.ReportMetric(float64(times[len(times)*99/100].Microseconds())/1000, "p99_ms")
}

func latestStore(b *testing.B, path string) *store.Store {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	var n, latest int
	if err := s.DB().QueryRowContext(ctx, "SELECT (SELECT COUNT(*) FROM bars), (SELECT COUNT(*) FROM latest_bars)").Scan(&n, &latest); err != nil {
		b.Fatal(err)
	}
	if n == latestInstruments*latestDays && latest == latestInstruments {
		return s
	}
	d := s.Dialect()
	p, err := goose.NewProvider(d.Goose, s.DB(), d.Migrations, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := p.DownTo(ctx, storetest.LatestBarsMigration-1); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	_, err = s.DB().ExecContext(ctx, fmt.Sprintf(`DELETE FROM bars;
		WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i WHERE n < %d),
		d(k, day) AS (SELECT 0, '2010-01-04' UNION ALL SELECT k + 1, date(day, '+1 day') FROM d WHERE k < %d)
		INSERT INTO bars (source, symbol, trade_date, open, high, low, close, adj_close, volume, halted, is_final, fetched_at)
		SELECT 'yahoo', printf('S%%04d', n), day, '10.5', '10.7', '10.3', printf('%%d.%%02d', 10 + n %% 90, k %% 100), '10.4', 1000 + k, 0, 0,
			'2026-01-01 00:00:00' FROM i CROSS JOIN d`, latestInstruments-1, latestDays-1))
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("built %d-row table in %s", latestInstruments*latestDays, time.Since(start).Round(time.Second))
	start = time.Now()
	if err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	b.Logf("migrated (latest_bars backfilled) in %s", time.Since(start).Round(time.Millisecond))
	return s
}
