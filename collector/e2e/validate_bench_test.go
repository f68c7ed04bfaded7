package e2e_test

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"testing"
	"time"

	driver "github.com/go-sql-driver/mysql"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/market/calendar"
	"github.com/marketd/marketd/store"
	"github.com/marketd/marketd/store/mysql"
	"github.com/marketd/marketd/store/storetest"
	"github.com/marketd/marketd/validate"
)

// The validator benchmark's store: 3,000 XNYS instruments × 10 years of
// sessions (about 7.5M bars), built once with LOAD DATA and kept in its own
// database for later runs.
const (
	validateInstruments = 3000
	validateDB          = "marketd_bench_validate"
)

var validateFrom, validateTo = market.NewDate(2016, 3, 7), market.NewDate(2026, 3, 5)

// BenchmarkValidator times a validation of 3,000 instruments × 10 years on
// MariaDB: the whole history read entirely (the first check, or
// --recheck), the whole history the day after such a check (the bars of
// the last 31 sessions read, the rest vouched for by checkpoints), and the
// daily 30-session lookback.
//
// The first check is compared, in the same run, with the floor of reading
// the same columns of every bar: one query through database/sql, each
// row scanned into raw bytes and dropped (raw_read_s); scan_s is the
// store's read alone (ScanBarsOf with nothing to check).
func BenchmarkValidator(b *testing.B) {
	st := validateStore(b)
	cals := func(_ context.Context, code string) (validate.Calendar, error) { return calendar.For(code) }
	for _, tc := range []struct {
		name string
		cfg  validate.Config
		// dayBefore, when set, is validated (untimed) a day earlier.
		dayBefore *validate.Config
	}{
		{"full_recheck", validate.Config{Since: validateFrom, Recheck: true}, nil},
		{"full", validate.Config{Since: validateFrom}, &validate.Config{Since: validateFrom, Recheck: true}},
		{"lookback30", validate.Config{Lookback: 30}, nil},
	} {
		b.Run(tc.name, func(b *testing.B) {
			if tc.dayBefore != nil {
				if _, err := validate.New(*tc.dayBefore, st, cals, nil, fixedNow.Add(-24*time.Hour)).Run(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
			var bars, unchanged int
			var heap uint64
			var wall, cpu, raw, scan time.Duration
			for b.Loop() {
				if tc.cfg.Recheck {
					b.StopTimer()
					var n int
					raw, n = rawRead(b, st)
					scan = storeRead(b, st, n)
					b.StartTimer()
				}
				stop := storetest.HeapPeak()
				start, startCPU := time.Now(), storetest.ProcessCPU(b)
				r, err := validate.New(tc.cfg, st, cals, nil, fixedNow).Run(context.Background())
				wall, cpu = time.Since(start), storetest.ProcessCPU(b)-startCPU
				heap = stop()
				if err != nil {
					b.Fatal(err)
				}
				if len(r.Problems) != 0 || len(r.Markets) != 1 {
					b.Fatalf("%d problems (first %+v), %d markets: the generated store should be clean", len(r.Problems), r.Problems[0], len(r.Markets))
				}
				bars, unchanged = r.Markets[0].Bars, r.Markets[0].Unchanged
			}
			b.ReportMetric(wall.Seconds(), "wall_s")
			b.ReportMetric(float64(bars), "bars")
			b.ReportMetric(float64(bars-unchanged), "bars_read")
			b.ReportMetric(float64(bars)/wall.Seconds(), "bars/s")
			b.ReportMetric(float64(heap)/(1<<20), "peak_heap_MB")
			// The box is shared: the client's CPU time varies less than
			// the wall time (the database server's is not counted).
			b.ReportMetric(cpu.Seconds(), "client_cpu_s")
			if raw > 0 {
				b.ReportMetric(raw.Seconds(), "raw_read_s")
				b.ReportMetric(scan.Seconds(), "scan_s")
				b.ReportMetric(scan.Seconds()/raw.Seconds(), "scan_ratio_to_raw")
				b.ReportMetric(wall.Seconds()/raw.Seconds(), "ratio_to_raw")
			}
		})
	}
}

// rawRead reads the columns the validator reads of every bar, the way
// the least a client can: one query, each row scanned into raw bytes.
func rawRead(b *testing.B, st *store.Store) (time.Duration, int) {
	ctx := context.Background()
	start := time.Now()
	rows, err := st.DB().QueryContext(ctx, `SELECT symbol, trade_date, open, high, low, close, volume, halted
		FROM bars WHERE source = ? ORDER BY symbol, trade_date`, market.SourceYahoo)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	var v [8]sql.RawBytes
	dest := []any{&v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]}
	n := 0
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			b.Fatal(err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return time.Since(start), n
}

// storeRead reads every bar through ScanBarsOf as the validator's first
// check does (every symbol, no date bounds), checking nothing.
func storeRead(b *testing.B, st *store.Store, want int) time.Duration {
	ctx := context.Background()
	syms := make([]string, validateInstruments)
	for i := range syms {
		syms[i] = validateKey(i).Symbol
	}
	start := time.Now()
	n := 0
	err := st.ScanBarsOf(ctx, market.SourceYahoo, syms, 0, 0, func(market.Key, market.Bar) error {
		n++
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	if n != want {
		b.Fatalf("ScanBarsOf read %d bars, the raw read %d", n, want)
	}
	return time.Since(start)
}

// validateStore opens the benchmark's database, building its data when it
// is not complete.
func validateStore(b *testing.B) *store.Store {
	b.Helper()
	ctx := context.Background()
	u, err := url.Parse(storetest.FreshMySQLURL(b)) // skips (or fails in CI) without a server
	if err != nil {
		b.Fatal(err)
	}
	server := rootDB(b, u.String())
	if _, err := server.ExecContext(ctx, "CREATE DATABASE IF NOT EXISTS "+validateDB); err != nil {
		b.Fatal(err)
	}
	u.Path = "/" + validateDB
	st, err := mysql.Open(ctx, mysql.Config{URL: u.String()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	xnys, err := calendar.For(market.XNYS)
	if err != nil {
		b.Fatal(err)
	}
	sessions := xnys.Sessions(validateFrom, validateTo)
	var n int
	if err := st.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM bars").Scan(&n); err != nil {
		b.Fatal(err)
	}
	if n == validateInstruments*len(sessions) {
		return st
	}
	start := time.Now()
	for _, t := range []string{"bars", "instruments"} {
		if _, err := st.DB().ExecContext(ctx, "TRUNCATE TABLE "+t); err != nil {
			b.Fatal(err)
		}
	}
	insts := make([]market.Instrument, validateInstruments)
	for i := range insts {
		insts[i] = market.Instrument{Key: validateKey(i), Market: market.XNYS, Active: true}
	}
	if _, err := st.AddInstruments(ctx, insts); err != nil {
		b.Fatal(err)
	}
	driver.RegisterReaderHandler("bench_validate", func() io.Reader { return validateRows(sessions) })
	defer driver.DeregisterReaderHandler("bench_validate")
	if _, err := st.DB().ExecContext(ctx, `LOAD DATA LOCAL INFILE 'Reader::bench_validate' INTO TABLE bars
		(source, symbol, trade_date, open, high, low, close, adj_close, volume, halted, is_final, fetched_at)`); err != nil {
		b.Fatal(err)
	}
	b.Logf("built %d bars in %s", validateInstruments*len(sessions), time.Since(start).Round(time.Second))
	return st
}

func validateKey(i int) market.Key {
	return market.Key{Source: market.SourceYahoo, Symbol: fmt.Sprintf("V%04d", i)}
}

// validateRows streams every bar as LOAD DATA's tab-separated rows: a
// bounded wobble, so no bar trips a quality check and none repeats.
func validateRows(sessions []market.Date) io.Reader {
	pr, pw := io.Pipe()
	go func() {
		w := bufio.NewWriterSize(pw, 1<<20)
		var line []byte
		for i := range validateInstruments {
			k := validateKey(i)
			for j, d := range sessions {
				c := market.Decimal(int64(50_000_000+i*10_000) + int64((i*7+j*13)%400)*10_000)
				line = append(line[:0], k.Source...)
				line = append(line, '\t')
				line = append(line, k.Symbol...)
				line = append(line, '\t')
				line = append(line, d.String()...)
				for _, p := range []market.Decimal{c - 50_000, c + 100_000, c - 200_000, c, c} {
					line = append(line, '\t')
					line = p.Append(line)
				}
				line = append(line, '\t')
				line = strconv.AppendInt(line, int64(1_000_000+j), 10)
				line = append(line, "\t0\t1\t2026-03-06 00:00:00\n"...)
				if _, err := w.Write(line); err != nil {
					pw.CloseWithError(err)
					return
				}
			}
		}
		pw.CloseWithError(w.Flush())
	}()
	return pr
}
