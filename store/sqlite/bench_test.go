package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

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
// migrated, and kept for later runs.
func BenchmarkLatestBars(b *testing.B) {
	keys := make([]market.Key, latestInstruments)
	for i := range keys {
		keys[i] = market.Key{Source: market.SourceYahoo, Symbol: fmt.Sprintf("S%04d", i)}
	}
	s := latestStore(b, filepath.Join(os.TempDir(), "marketd_bench_latest.db"))
	storetest.BenchLatestBars(b, s, keys, market.NewDate(2010, 1, 4).AddDays(latestDays-1))
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
	storetest.BuildLatest(b, s, latestInstruments, latestDays, func(ctx context.Context) error {
		// i CROSS JOIN d makes SQLite loop over the instruments outside:
		// rows arrive in primary-key order.
		_, err := s.DB().ExecContext(ctx, fmt.Sprintf(`DELETE FROM bars;
			WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i WHERE n < %d),
			d(k, day) AS (SELECT 0, '2010-01-04' UNION ALL SELECT k + 1, date(day, '+1 day') FROM d WHERE k < %d)
			INSERT INTO bars (source, symbol, trade_date, open, high, low, close, adj_close, volume, halted, is_final, fetched_at)
			SELECT 'yahoo', printf('S%%04d', n), day, '10.5', '10.7', '10.3', printf('%%d.%%02d', 10 + n %% 90, k %% 100), '10.4', 1000 + k, 0, 0,
				'2026-01-01 00:00:00' FROM i CROSS JOIN d`, latestInstruments-1, latestDays-1))
		return err
	})
	return s
}
