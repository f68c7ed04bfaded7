package mysql_test

// Temporary experiment (deleted before report): raw write variants.

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	driver "github.com/go-sql-driver/mysql"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store/mysql"
)

func litRow(b []byte, k market.Key, bar market.Bar) []byte {
	b = append(b, "('"...)
	b = append(b, k.Source...)
	b = append(b, "','"...)
	b = append(b, k.Symbol...)
	b = append(b, "','"...)
	b = append(b, bar.Date.String()...)
	b = append(b, '\'')
	for _, p := range []market.Decimal{bar.Open.V, bar.High.V, bar.Low.V, bar.Close, bar.AdjClose.V} {
		b = append(b, ',')
		b = p.Append(b)
	}
	b = append(b, ',')
	b = strconv.AppendInt(b, bar.Volume.V, 10)
	b = append(b, ",0,0,'2026-01-01 00:00:00')"...)
	return b
}

func tsvRow(b []byte, k market.Key, bar market.Bar) []byte {
	b = append(b, k.Source...)
	b = append(b, '\t')
	b = append(b, k.Symbol...)
	b = append(b, '\t')
	b = append(b, bar.Date.String()...)
	for _, p := range []market.Decimal{bar.Open.V, bar.High.V, bar.Low.V, bar.Close, bar.AdjClose.V} {
		b = append(b, '\t')
		b = p.Append(b)
	}
	b = append(b, '\t')
	b = strconv.AppendInt(b, bar.Volume.V, 10)
	b = append(b, "\t0\t0\t2026-01-01 00:00:00\n"...)
	return b
}

const odku = ` ON DUPLICATE KEY UPDATE open=VALUES(open), high=VALUES(high), low=VALUES(low), close=VALUES(close), adj_close=VALUES(adj_close), volume=VALUES(volume), halted=VALUES(halted), is_final=VALUES(is_final), fetched_at=VALUES(fetched_at)`

var expSeq int
var expMu sync.Mutex

func expTx(ctx context.Context, db *sql.DB, mode string, first int, dates []market.Date) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var buf []byte
	switch mode {
	case "odku", "insert":
		rows := 0
		flush := func() error {
			if rows == 0 {
				return nil
			}
			if mode == "odku" {
				buf = append(buf, odku...)
			}
			_, err := tx.ExecContext(ctx, string(buf))
			rows = 0
			return err
		}
		for i := first; i < first+5; i++ {
			k := benchKey(i)
			for _, b := range benchBars(i, dates) {
				if rows == 0 {
					buf = append(buf[:0], "INSERT INTO bars "+loadColumns+" VALUES "...)
				} else {
					buf = append(buf, ',')
				}
				buf = litRow(buf, k, b)
				rows++
				if rows == 5000 {
					if err := flush(); err != nil {
						return err
					}
				}
			}
		}
		if err := flush(); err != nil {
			return err
		}
	case "load":
		for i := first; i < first+5; i++ {
			k := benchKey(i)
			for _, b := range benchBars(i, dates) {
				buf = tsvRow(buf, k, b)
			}
		}
		expMu.Lock()
		expSeq++
		name := fmt.Sprintf("exp%d", expSeq)
		expMu.Unlock()
		r := bytes.NewReader(buf)
		driver.RegisterReaderHandler(name, func() io.Reader { return r })
		_, err := tx.ExecContext(ctx, `LOAD DATA LOCAL INFILE 'Reader::`+name+`' INTO TABLE bars `+loadColumns)
		driver.DeregisterReaderHandler(name)
		if err != nil {
			return err
		}
	}
	return tx.Commit()
}

func BenchmarkExperiment(b *testing.B) {
	ctx := context.Background()
	mode := os.Getenv("EXP_MODE")
	workers, _ := strconv.Atoi(os.Getenv("EXP_WORKERS"))
	workers = max(workers, 1)
	s := openFresh(b, mysql.Config{MaxOpen: workers + 1})
	db := s.DB()
	db.ExecContext(ctx, `CREATE TABLE bars_load LIKE bars`)
	dates := benchDates(benchDays)
	for b.Loop() {
		for _, t := range []string{"bars", "bars_load"} {
			db.ExecContext(ctx, "TRUNCATE TABLE "+t)
		}
		start := time.Now()
		if err := loadData(ctx, db, "bars_load", "bench_bars", csvReader(benchInstruments, dates, "2026-01-01 00:00:00")); err != nil {
			b.Fatal(err)
		}
		load := time.Since(start).Seconds()
		start = time.Now()
		next := make(chan int)
		go func() {
			for i := 0; i < benchInstruments; i += 5 {
				next <- i
			}
			close(next)
		}()
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for first := range next {
					if err := expTx(ctx, db, mode, first, dates); err != nil {
						b.Error(err)
					}
				}
			})
		}
		wg.Wait()
		up := time.Since(start).Seconds()
		b.ReportMetric(1e6/load, "load_rows/s")
		b.ReportMetric(1e6/up, "rows/s")
		b.ReportMetric(load/up, "ratio")
	}
}
