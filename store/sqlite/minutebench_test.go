package sqlite_test

import (
	"context"
	"testing"

	"github.com/marketd/marketd/store/storetest"
)

// BenchmarkWriteMinutes writes 1,000 KRX codes' session of 1m bars
// (390,000 rows) in calls of 100 codes. MB_per_Mrows counts the pages
// of minute_bars (dbstat).
func BenchmarkWriteMinutes(b *testing.B) {
	s := storetest.OpenSQLite(b)
	storetest.BenchWriteMinutes(b, s, 1000, 100, func(ctx context.Context) (int64, error) {
		var n int64
		err := s.DB().QueryRowContext(ctx, `SELECT SUM(pgsize) FROM dbstat WHERE name = 'minute_bars'`).Scan(&n)
		return n, err
	})
}
