package mysql_test

import (
	"context"
	"database/sql"
	"io"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
	"github.com/marketd/marketd/store/mysql"
	"github.com/marketd/marketd/store/storetest"
)

// TestContractWithoutBulkLoad runs the contract on the INSERT-only path
// Write takes when the server refuses LOAD DATA LOCAL (local_infile=OFF)
// and after the loader refused a row.
func TestContractWithoutBulkLoad(t *testing.T) {
	storetest.Run(t, func(t *testing.T) *store.Store {
		s := openFresh(t, mysql.Config{})
		d := s.Dialect()
		d.BulkLoad = nil
		// s's cleanup closes the pool both stores share.
		return store.New(s.DB(), d)
	})
}

// TestBulkLoadCountsRefusals checks the loader reports what LOAD DATA
// LOCAL skips instead of failing: a duplicate key and a failed CHECK.
func TestBulkLoadCountsRefusals(t *testing.T) {
	ctx := context.Background()
	s := openFresh(t, mysql.Config{})
	cols := []string{"source", "symbol", "trade_date", "open", "high", "low", "close", "adj_close", "volume", "halted", "is_final", "fetched_at"}
	load := func(rows string) (stored, warnings int64) {
		t.Helper()
		tx, err := s.DB().BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		stored, warnings, err = mysql.BulkLoad(ctx, tx, "bars", cols, strings.NewReader(rows))
		if err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		return stored, warnings
	}
	const ts = "\t0\t1\t2026-01-01 00:00:00.000000\n"
	stored, warnings := load("yahoo\tAAPL\t2024-01-02\t1\t2\t0.5\t1.5\t\\N\t100" + ts +
		"yahoo\tAAPL\t2024-01-03\t\\N\t\\N\t\\N\t1.25\t1.2\t\\N" + ts)
	if stored != 2 || warnings != 0 {
		t.Errorf("good rows: stored %d, %d warnings; want 2, 0", stored, warnings)
	}
	stored, warnings = load("yahoo\tAAPL\t2024-01-02\t9\t9\t9\t9\t9\t9" + ts + // duplicate key
		"yahoo\tAAPL\t2024-01-04\t1\t1\t1\t-1\t1\t1" + ts + // negative close
		"yahoo\tAAPL\t2024-01-05\t1\t1\t1\t1\t1\t1" + ts)
	if stored != 1 || warnings != 2 {
		t.Errorf("refused rows: stored %d, %d warnings; want 1, 2", stored, warnings)
	}
	bars, err := s.Bars(ctx, market.Key{Source: "yahoo", Symbol: "AAPL"}, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var dates []string
	for _, b := range bars {
		dates = append(dates, b.Date.String())
	}
	if got := strings.Join(dates, " "); got != "2024-01-02 2024-01-03 2024-01-05" || bars[0].Close != market.DecimalFromInt(1)+market.DecimalFromInt(1)/2 ||
		bars[1].Open.Valid || bars[1].AdjClose.V != market.DecimalFromInt(1)+market.DecimalFromInt(1)/5 || !bars[0].Final {
		t.Errorf("stored bars %+v", bars)
	}
}

// TestWriteAfterRefusedLoad has another writer store one of the bars
// between Write's read and its bulk load, so the load skips that row:
// Write must abandon the transaction and write the batch again through
// INSERT, counting against what is then stored.
func TestWriteAfterRefusedLoad(t *testing.T) {
	ctx := context.Background()
	base := openFresh(t, mysql.Config{})
	d := base.Dialect()
	load := d.BulkLoad
	var loads atomic.Int32
	d.BulkLoad = func(ctx context.Context, tx *sql.Tx, table string, cols []string, r io.Reader) (int64, int64, error) {
		if loads.Add(1) == 1 {
			_, err := base.DB().ExecContext(ctx, `INSERT INTO bars (source, symbol, trade_date, close, fetched_at)
				VALUES ('yahoo', 'AAPL', '2024-01-03', 184.25, '2026-01-01')`)
			if err != nil {
				t.Fatal(err)
			}
		}
		return load(ctx, tx, table, cols, r)
	}
	s := store.New(base.DB(), d)
	k := market.Key{Source: "yahoo", Symbol: "AAPL"}
	day := func(s string) market.Date { d, _ := market.ParseDate(s); return d }
	bars := []market.Bar{
		{Date: day("2024-01-02"), Close: market.DecimalFromInt(185), Volume: market.Some[int64](1)},
		{Date: day("2024-01-03"), Close: market.DecimalFromInt(184), Volume: market.Some[int64](2)},
		{Date: day("2024-01-04"), Close: market.DecimalFromInt(181), Volume: market.Some[int64](3)},
	}
	res, err := s.Write(ctx, []store.Write{{Key: k, Bars: bars, Watermark: day("2024-01-04")}})
	if err != nil {
		t.Fatal(err)
	}
	if want := (store.WriteResult{Inserted: 2, Changed: 1}); res != want {
		t.Errorf("Write = %+v, want %+v", res, want)
	}
	if n := loads.Load(); n != 1 {
		t.Errorf("bulk loads = %d, want 1 (the retry goes through INSERT)", n)
	}
	got, err := s.Bars(ctx, k, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[1].Close != bars[1].Close || got[1].Volume != bars[1].Volume {
		t.Errorf("stored %+v, want %+v", got, bars)
	}
	wm, err := s.Watermarks(ctx, "yahoo")
	if err != nil || wm[k] != day("2024-01-04") {
		t.Errorf("watermark = %v (%v), want 2024-01-04", wm[k], err)
	}
}

// TestWriteSpanningBulkLoads writes more new bars than one bulk load
// takes, around stored and restated ones, in one call.
func TestWriteSpanningBulkLoads(t *testing.T) {
	ctx := context.Background()
	s := openFresh(t, mysql.Config{})
	keys := []market.Key{{Source: "yahoo", Symbol: "AAA"}, {Source: "naver", Symbol: "0193T0"}}
	const days = 12_000 // two instruments: more than one load's 16,384 rows
	first, _ := market.ParseDate("1980-01-01")
	bars := func(k int) []market.Bar {
		out := make([]market.Bar, days)
		for i := range out {
			out[i] = market.Bar{Date: first.AddDays(i), Close: market.DecimalFromInt(int64(1 + k*days + i)), Volume: market.Some(int64(i))}
		}
		return out
	}
	stored := bars(0)[5000:5100]
	if _, err := s.Write(ctx, []store.Write{{Key: keys[0], Bars: stored}}); err != nil {
		t.Fatal(err)
	}
	a, b := bars(0), bars(1)
	for i := 5000; i < 5010; i++ {
		a[i].Close++
	}
	res, err := s.Write(ctx, []store.Write{{Key: keys[0], Bars: a, Watermark: a[days-1].Date}, {Key: keys[1], Bars: b}})
	if err != nil {
		t.Fatal(err)
	}
	if want := (store.WriteResult{Inserted: 2*days - 100, Changed: 10, Unchanged: 90}); res != want {
		t.Errorf("Write = %+v, want %+v", res, want)
	}
	for k, want := range [][]market.Bar{a, b} {
		got, err := s.Bars(ctx, keys[k], 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("bars of %s differ: %d stored, want %d", keys[k], len(got), len(want))
		}
	}
}
