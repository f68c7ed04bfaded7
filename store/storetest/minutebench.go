package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

// MinuteSession returns code's 1m bars of one KRX session (390 minutes from
// 09:00 KST on day), every field set, prices moving by the minute.
func MinuteSession(code string, day time.Time, seed int64) store.MinuteWrite {
	w := store.MinuteWrite{Key: market.Key{Source: market.SourceNaver, Symbol: code}, Interval: market.Interval1m,
		Bars: make([]market.MinuteBar, 390)}
	for m := range w.Bars {
		p := market.DecimalFromInt(50_000 + (seed*7+int64(m)*13)%2_000)
		w.Bars[m] = market.MinuteBar{Start: day.Add(time.Duration(m) * time.Minute), Open: market.Some(p),
			High: market.Some(p + market.DecimalFromInt(100)), Low: market.Some(p - market.DecimalFromInt(100)), Close: p,
			Volume: market.Some(1_000 + (seed+int64(m))%50_000)}
	}
	return w
}

// BenchWriteMinutes writes the end-of-day archive of codes KRX codes (390
// 1m bars each) through WriteMinutes, batch codes per call, into a fresh
// table on every iteration, and reports rows/s, the bytes the table takes
// per million rows (size reports them), and the time to read one code's
// 30 sessions (MinuteBars) from the table it built, which then holds
// 30 sessions of readers codes besides.
func BenchWriteMinutes(b *testing.B, s *store.Store, codes, batch int, size func(context.Context) (int64, error)) {
	ctx := context.Background()
	day := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC) // 09:00 KST
	var writes []store.MinuteWrite
	for i := range codes {
		writes = append(writes, MinuteSession(fmt.Sprintf("%06d", i), day, int64(i)))
	}
	rows := codes * 390
	var sec float64
	var bytes int64
	for b.Loop() {
		b.StopTimer()
		if _, err := s.DB().ExecContext(ctx, "DELETE FROM minute_bars"); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		for i := 0; i < len(writes); i += batch {
			res, err := s.WriteMinutes(ctx, writes[i:min(i+batch, len(writes))])
			if err != nil {
				b.Fatal(err)
			}
			if res.Inserted != 390*len(writes[i:min(i+batch, len(writes))]) {
				b.Fatalf("inserted %+v", res)
			}
		}
		sec += time.Since(start).Seconds()
		b.StopTimer()
		var err error
		if bytes, err = size(ctx); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(rows*b.N)/sec, "rows/s")
	b.ReportMetric(float64(bytes)/float64(rows)*1e6/(1<<20), "MB_per_Mrows")

	// 30 sessions of one code: 11,700 rows among the table's others.
	key := writes[0].Key
	var more []store.MinuteWrite
	for d := 1; d < 30; d++ {
		more = append(more, MinuteSession(key.Symbol, day.AddDate(0, 0, d), int64(d)))
	}
	for _, w := range more {
		if _, err := s.WriteMinutes(ctx, []store.MinuteWrite{w}); err != nil {
			b.Fatal(err)
		}
	}
	var n int64
	if err := s.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM minute_bars").Scan(&n); err != nil {
		b.Fatal(err)
	}
	const reads = 20
	start := time.Now()
	for range reads {
		got, err := s.MinuteBars(ctx, key, market.Interval1m, day, day.AddDate(0, 0, 30))
		if err != nil || len(got) != 30*390 {
			b.Fatalf("read %d bars, %v; want %d", len(got), err, 30*390)
		}
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/reads/1000, "read30d_ms")
	b.ReportMetric(float64(n), "table_rows")
}
