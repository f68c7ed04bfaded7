package mysql_test

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	driver "github.com/go-sql-driver/mysql"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
	"github.com/marketd/marketd/store/mysql"
	"github.com/marketd/marketd/store/storetest"
)

// The upsert benchmark's data: 500 instruments × 2,000 sessions.
const (
	benchInstruments = 500
	benchDays        = 2000
)

func benchKey(i int) market.Key {
	return market.Key{Source: market.SourceYahoo, Symbol: fmt.Sprintf("S%04d", i)}
}

// benchDates returns n weekdays from 2010-01-04.
func benchDates(n int) []market.Date {
	out := make([]market.Date, 0, n)
	for d := market.NewDate(2010, 1, 4); len(out) < n; d = d.AddDays(1) {
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			out = append(out, d)
		}
	}
	return out
}

// benchBars generates instrument i's bars, deterministic and varied.
func benchBars(i int, dates []market.Date) []market.Bar {
	cent, micro := market.DecimalFromInt(1)/100, market.DecimalFromInt(1)/1_000_000
	bars := make([]market.Bar, len(dates))
	for j, d := range dates {
		c := cent * market.Decimal(1000+i*100+j+(i*j)%997)
		// The adjusted close keeps six decimals, as prices had before
		// Decimal held eight, so that figures before and after compare.
		adj := c - c/50/micro*micro
		bars[j] = market.Bar{
			Date: d, Open: market.Some(c - 5*cent), High: market.Some(c + 12*cent), Low: market.Some(c - 13*cent),
			Close: c, AdjClose: market.Some(adj), Volume: market.Some(int64(1_000_000 + i*j)),
		}
	}
	return bars
}

// csvReader streams the same rows as tab-separated text for LOAD DATA.
func csvReader(instruments int, dates []market.Date, fetched string) io.Reader {
	pr, pw := io.Pipe()
	go func() {
		w := bufio.NewWriterSize(pw, 1<<20)
		var line []byte
		for i := range instruments {
			k := benchKey(i)
			for _, b := range benchBars(i, dates) {
				line = append(line[:0], k.Source...)
				line = append(line, '\t')
				line = append(line, k.Symbol...)
				line = append(line, '\t')
				line = append(line, b.Date.String()...)
				for _, p := range []market.Decimal{b.Open.V, b.High.V, b.Low.V, b.Close, b.AdjClose.V} {
					line = append(line, '\t')
					line = p.Append(line)
				}
				line = append(line, '\t')
				line = strconv.AppendInt(line, b.Volume.V, 10)
				line = append(line, "\t0\t0\t"...)
				line = append(line, fetched...)
				line = append(line, '\n')
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

const loadColumns = `(source, symbol, trade_date, open, high, low, close, adj_close, volume, halted, is_final, fetched_at)`

// loadData bulk-loads the rows into table through LOAD DATA LOCAL INFILE.
func loadData(ctx context.Context, db *sql.DB, table, handler string, r io.Reader) error {
	driver.RegisterReaderHandler(handler, func() io.Reader { return r })
	defer driver.DeregisterReaderHandler(handler)
	_, err := db.ExecContext(ctx, `LOAD DATA LOCAL INFILE 'Reader::`+handler+`' INTO TABLE `+table+` `+loadColumns)
	return err
}

// BenchmarkUpsertBars upserts 1,000,000 bars through Store.Write and
// compares with LOAD DATA LOCAL INFILE of the same rows into an identical
// table, and with plain per-row INSERTs (measured on a sample), in the
// same run. Write does all it always does: a transaction per call of 5
// instruments (10,000 bars), the stored bars read and compared, exact
// counts, the watermarks moved; new bars go through LOAD DATA inside
// that transaction. Writers run in parallel over the bounded pool, each
// transaction holding whole instruments, so no two touch the same rows;
// writers=2 and 4 are how the collector writes (a worker pool), writers=1
// is the floor, where every round trip of Write waits on the server.
//
// The machine is shared: run with -benchtime 3x (or more) so the rates,
// summed over the iterations, do not hang on one busy moment.
func BenchmarkUpsertBars(b *testing.B) {
	for _, workers := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("writers=%d", workers), func(b *testing.B) { benchUpsert(b, workers) })
	}
}

func benchUpsert(b *testing.B, workers int) {
	ctx := context.Background()
	s := openFresh(b, mysql.Config{MaxOpen: workers + 1})
	db := s.DB()
	if _, err := db.ExecContext(ctx, `CREATE TABLE bars_load LIKE bars`); err != nil {
		b.Fatal(err)
	}
	sameTable(b, db, "bars", "bars_load")
	dates := benchDates(benchDays)
	const rows = benchInstruments * benchDays
	const perTx = 5 // instruments per Write call: 10,000 bars per transaction
	var loadSec, upsertSec, rowSec float64
	var peak uint64
	var res store.WriteResult
	// Each timing starts from the same state: both tables empty. Without
	// the TRUNCATE of bars_load between them, the upsert would start with
	// the buffer pool (128 MB by default) full of LOAD DATA's dirty pages
	// and pay for writing them out.
	truncate := func(tables ...string) {
		for _, t := range tables {
			if _, err := db.ExecContext(ctx, "TRUNCATE TABLE "+t); err != nil {
				b.Fatal(err)
			}
		}
	}
	for b.Loop() {
		b.StopTimer()
		truncate("bars", "bars_load", "watermarks", "latest_bars")
		start := time.Now()
		if err := loadData(ctx, db, "bars_load", "bench_bars", csvReader(benchInstruments, dates, "2026-01-01 00:00:00")); err != nil {
			b.Fatal(err)
		}
		loadSec += time.Since(start).Seconds()
		countRows(b, db, "bars_load", rows)
		truncate("bars_load")
		b.StartTimer()

		stop := storetest.HeapPeak()
		start = time.Now()
		res = upsertAll(b, s, workers, perTx, dates)
		upsertSec += time.Since(start).Seconds()
		peak = max(peak, stop())

		b.StopTimer()
		if res != (store.WriteResult{Inserted: rows}) {
			b.Fatalf("upsert wrote %+v, want %d inserted", res, rows)
		}
		countRows(b, db, "bars", rows)
		rowSec = perRowInsert(b, db, dates)
		b.StartTimer()
	}
	// Rates over all iterations: on a shared machine one pass of either
	// can land on a busy moment.
	n := float64(rows * b.N)
	upsertRate, loadRate := n/upsertSec, n/loadSec
	b.ReportMetric(upsertRate, "rows/s")
	b.ReportMetric(loadRate, "loaddata_rows/s")
	b.ReportMetric(upsertRate/loadRate, "ratio_to_loaddata")
	b.ReportMetric(rowSec/loadRate, "perrow_ratio_to_loaddata")
	b.ReportMetric(float64(peak)/(1<<20), "peak_heap_MB")
}

// sameTable fails unless tables a and b have the same definition (columns,
// primary key, CHECK constraints, engine), so LOAD DATA and the upsert
// write into equal tables.
func sameTable(b *testing.B, db *sql.DB, x, y string) {
	def := func(t string) string {
		var name, ddl string
		if err := db.QueryRow("SHOW CREATE TABLE "+t).Scan(&name, &ddl); err != nil {
			b.Fatal(err)
		}
		return strings.Replace(ddl, "`"+t+"`", "`T`", 1)
	}
	if dx, dy := def(x), def(y); dx != dy {
		b.Fatalf("tables differ:\n%s\n%s", dx, dy)
	}
}

func countRows(b *testing.B, db *sql.DB, table string, want int) {
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil || n != want {
		b.Fatalf("%s holds %d rows (%v), want %d", table, n, err, want)
	}
}

// upsertAll writes every instrument through Store.Write with workers
// goroutines, generating each instrument's bars only when it is written.
func upsertAll(b *testing.B, s *store.Store, workers, perTx int, dates []market.Date) store.WriteResult {
	ctx := context.Background()
	next := make(chan int)
	go func() {
		for i := 0; i < benchInstruments; i += perTx {
			next <- i
		}
		close(next)
	}()
	var mu sync.Mutex
	var total store.WriteResult
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Go(func() {
			for first := range next {
				batch := make([]store.Write, 0, perTx)
				for i := first; i < min(first+perTx, benchInstruments); i++ {
					batch = append(batch, store.Write{Key: benchKey(i), Bars: benchBars(i, dates), Watermark: dates[len(dates)-1]})
				}
				r, err := s.Write(ctx, batch)
				if err != nil {
					errs <- err
					for range next {
					}
					return
				}
				mu.Lock()
				total = total.Add(r)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
	return total
}

// perRowInsert measures one INSERT statement per row (in transactions of
// 1,000 rows, the naive loop) on a 20,000-row sample; rows/s.
func perRowInsert(b *testing.B, db *sql.DB, dates []market.Date) float64 {
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, "TRUNCATE TABLE bars_load"); err != nil {
		b.Fatal(err)
	}
	const sample = 10
	start := time.Now()
	for i := range sample {
		k := benchKey(i)
		bars := benchBars(i, dates)
		for chunk := range slices.Chunk(bars, 1000) {
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				b.Fatal(err)
			}
			for _, r := range chunk {
				_, err := tx.ExecContext(ctx, `INSERT INTO bars_load `+loadColumns+` VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?)`,
					k.Source, k.Symbol, r.Date.String(), r.Open.V.String(), r.High.V.String(), r.Low.V.String(),
					r.Close.String(), r.AdjClose.V.String(), r.Volume.V, "2026-01-01 00:00:00")
				if err != nil {
					b.Fatal(err)
				}
			}
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
		}
	}
	return float64(sample*len(dates)) / time.Since(start).Seconds()
}

// The latest-bar benchmark's table: 3,000 instruments × 3,334 sessions.
const (
	latestInstruments = 3000
	latestDays        = 3334
	latestDB          = "marketd_bench_latest"
)

// BenchmarkLatestBars reads the latest bar of 3,000 instruments from a
// 10M-row table. The table lives in its own database, built once with
// LOAD DATA before latest_bars existed and then migrated, so that the
// migration's backfill fills latest_bars (its time is logged), and kept
// for later runs.
func BenchmarkLatestBars(b *testing.B) {
	dates := benchDates(latestDays)
	keys := make([]market.Key, latestInstruments)
	for i := range keys {
		keys[i] = benchKey(i)
	}
	storetest.BenchLatestBars(b, latestStore(b), keys, dates[len(dates)-1])
}

// latestStore opens the latest-bar benchmark's database, building its
// bars when they are not complete.
func latestStore(b *testing.B) *store.Store {
	s := persistentStore(b, latestDB)
	storetest.BuildLatest(b, s, latestInstruments, latestDays, func(ctx context.Context) error {
		if _, err := s.DB().ExecContext(ctx, "TRUNCATE TABLE bars"); err != nil {
			return err
		}
		if err := loadData(ctx, s.DB(), "bars", "bench_latest", csvReader(latestInstruments, benchDates(latestDays), "2026-01-01 00:00:00")); err != nil {
			return err
		}
		_, err := s.DB().ExecContext(ctx, "ANALYZE TABLE bars")
		return err
	})
	return s
}

// persistentStore opens (creating it if need be) and migrates the database
// name, which a benchmark keeps between runs for the table it built.
func persistentStore(b *testing.B, name string) *store.Store {
	ctx := context.Background()
	server, u := serverDB(b)
	defer server.Close()
	if _, err := server.ExecContext(ctx, "CREATE DATABASE IF NOT EXISTS "+name); err != nil {
		b.Fatal(err)
	}
	u.Path = "/" + name
	u.RawQuery = url.Values{"interpolateParams": {"true"}}.Encode()
	s, err := mysql.Open(ctx, mysql.Config{URL: u.String()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	return s
}
