package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

// LatestBarsMigration is the migration that adds latest_bars: a test or
// benchmark migrates down to the one before it to hold bars as an older
// release did.
const LatestBarsMigration = 4

// BuildLatest readies s, a migrated store kept between benchmark runs, to
// hold instruments×days bars with every instrument in latest_bars. When it
// does not yet, it takes s back to the schema before latest_bars, as a
// database upgraded from an older release holds its bars, loads the bars
// with load, and migrates, so that the migration fills latest_bars; both
// times are logged.
func BuildLatest(b *testing.B, s *store.Store, instruments, days int, load func(context.Context) error) {
	ctx := context.Background()
	var n, latest int
	if err := s.DB().QueryRowContext(ctx, "SELECT (SELECT COUNT(*) FROM bars), (SELECT COUNT(*) FROM latest_bars)").Scan(&n, &latest); err != nil {
		b.Fatal(err)
	}
	if n == instruments*days && latest == instruments {
		return
	}
	MigrateDownTo(b, s, LatestBarsMigration-1)
	start := time.Now()
	if err := load(ctx); err != nil {
		b.Fatal(err)
	}
	b.Logf("built %d bars in %s", instruments*days, time.Since(start).Round(time.Second))
	start = time.Now()
	if err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	b.Logf("migrated (latest_bars filled from %d bars) in %s", instruments*days, time.Since(start).Round(time.Millisecond))
}

// MigrateDownTo rolls s's schema back to version.
func MigrateDownTo(tb testing.TB, s *store.Store, version int64) {
	tb.Helper()
	d := s.Dialect()
	p, err := goose.NewProvider(d.Goose, s.DB(), d.Migrations, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := p.DownTo(context.Background(), version); err != nil {
		tb.Fatal(err)
	}
}

// BenchLatestBars times LatestBars of keys, whose latest bars are all
// dated want, and reports the median and 99th percentile in ms.
func BenchLatestBars(b *testing.B, s *store.Store, keys []market.Key, want market.Date) {
	ctx := context.Background()
	probe := keys[len(keys)/2]
	var times []time.Duration
	for b.Loop() {
		start := time.Now()
		got, err := s.LatestBars(ctx, keys)
		times = append(times, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
		if len(got) != len(keys) || got[probe].Date != want {
			b.Fatalf("LatestBars returned %d bars, %s's dated %s; want %d dated %s", len(got), probe, got[probe].Date, len(keys), want)
		}
	}
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "p50_ms")
	b.ReportMetric(float64(times[len(times)*99/100].Microseconds())/1000, "p99_ms")
}
