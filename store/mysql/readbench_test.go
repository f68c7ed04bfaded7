package mysql_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store/storetest"
)

// BenchmarkReadQueries times each query of the README's "Reading the
// data", as written there, on the latest-bar benchmark's 10M bars (with
// about one dividend a quarter per instrument): one instrument's year for
// the ranges, every instrument of the source for the latest bars. The
// README quotes the medians.
func BenchmarkReadQueries(b *testing.B) {
	ctx := context.Background()
	s := latestStore(b)
	var n int
	if err := s.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM actions").Scan(&n); err != nil {
		b.Fatal(err)
	}
	if n == 0 {
		if _, err := s.DB().ExecContext(ctx, `INSERT INTO actions (source, symbol, ex_date, kind, amount, fetched_at)
			SELECT source, symbol, trade_date, 'dividend', 0.25, fetched_at FROM bars WHERE MOD(TO_DAYS(trade_date), 90) = 0`); err != nil {
			b.Fatal(err)
		}
	}
	for _, q := range storetest.ReadQueries(b, "../../README.md", "S1234", market.NewDate(2015, 1, 1), market.NewDate(2015, 12, 31)) {
		name := strings.Fields(strings.TrimPrefix(q.Name, "-- "))
		b.Run(strings.Join(name, "_"), func(b *testing.B) {
			var times []time.Duration
			rowsRead := 0
			for b.Loop() {
				start := time.Now()
				rows, err := s.DB().QueryContext(ctx, q.SQL, q.Args...)
				if err != nil {
					b.Fatal(err)
				}
				rowsRead = 0
				for rows.Next() {
					rowsRead++
				}
				if err := rows.Err(); err != nil {
					b.Fatal(err)
				}
				rows.Close()
				times = append(times, time.Since(start))
			}
			if rowsRead == 0 {
				b.Fatalf("%s returned no rows", q.Name)
			}
			slices.Sort(times)
			b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "p50_ms")
			b.ReportMetric(float64(rowsRead), "rows")
		})
	}
}
