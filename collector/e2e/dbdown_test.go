package e2e_test

import (
	"context"
	"database/sql"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	driver "github.com/go-sql-driver/mysql"

	"github.com/marketd/marketd/collector"
	"github.com/marketd/marketd/sources/httpx"
	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/sourcetest"
	"github.com/marketd/marketd/store/mysql"
	"github.com/marketd/marketd/store/storetest"
)

// The database drops every connection of the collector, repeatedly, in the
// middle of a collect (KILL CONNECTION from a separate root session: the
// shared server stays up). The run ends on its own — instruments fail with
// a clear error or the run itself does — never with a watermark ahead of
// its bars; the next run completes and the store equals the ground truth.
func TestCollectSurvivesLostDatabase(t *testing.T) {
	ctx := context.Background()
	dbURL := storetest.FreshMySQLURL(t)
	st, err := mysql.Open(ctx, mysql.Config{URL: dbURL, MaxOpen: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	root := rootDB(t, dbURL)
	u, _ := url.Parse(dbURL)
	dbName := strings.TrimPrefix(u.Path, "/")

	insts, syms := universe(20)
	// Latency keeps the run going long enough to be cut in the middle.
	m := sourcetest.New(sourcetest.Options{Now: clockAt(fixedNow), Symbols: syms, HistoryStart: market.NewDate(2024, 1, 2),
		Faults: map[string]sourcetest.Fault{sourcetest.GroupYahoo: {Latency: 20 * time.Millisecond}, sourcetest.GroupNaver: {Latency: 20 * time.Millisecond}}})
	rec := newRecorder(m)
	// From the 6th request on, kill the collector's connections every 20ms for 600ms.
	var killer sync.WaitGroup
	var killed int
	rec.setTrigger(6, func() {
		killer.Go(func() {
			for end := time.Now().Add(600 * time.Millisecond); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
				killed += killConnections(t, root, dbName)
			}
		})
	})
	url := server(t, m, rec)
	if _, err := st.AddInstruments(ctx, insts); err != nil {
		t.Fatal(err)
	}
	p := newPipeline(t, st, url, clockAt(fixedNow), httpx.Config{MinBackoff: time.Millisecond}, collector.Config{})

	s1, err1 := p.c.Collect(ctx, collector.CollectRequest{})
	killer.Wait()
	if killed == 0 {
		t.Fatal("no connection was killed: the test did not test anything")
	}
	t.Logf("first run (%d connections killed): %s; err %v", killed, s1, err1)
	if err1 == nil && s1.Failed > 0 {
		for _, r := range s1.Results {
			if r.Status == "failed" && !strings.Contains(r.Error, r.Key.Symbol) {
				t.Errorf("failure of %s does not name it: %s", r.Key, r.Error)
			}
		}
	}
	// Whatever was committed is whole: every session up to a watermark is stored.
	for _, src := range []string{market.SourceYahoo, market.SourceNaver} {
		wms, err := st.Watermarks(ctx, src)
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range insts {
			wm, ok := wms[in.Key]
			if in.Source != src || !ok {
				continue
			}
			from := lastClosed(t, in, fixedNow).AddDays(-365)
			want := m.Bars(in.Source, in.Symbol, from, wm)
			got, err := st.Bars(ctx, in.Key, from, wm)
			if err != nil {
				t.Fatal(err)
			}
			if msg := diffBars(got, want); msg != "" {
				t.Errorf("after the lost database, %s's watermark %s is ahead of its bars: %s", in.Key, wm, msg)
			}
		}
	}

	s2, err := p.c.Collect(ctx, collector.CollectRequest{})
	if err != nil || s2.Failed != 0 {
		t.Fatalf("second run: %s, %v", s2, err)
	}
	from := market.NewDate(2025, 3, 6) // both markets' initial history (a year before the last closed session)
	checkTruth(t, st, m, insts, from, fixedNow)
	checkWatermarks(t, st, insts, fixedNow)
}

// rootDB opens a connection to the test server outside the store's pool.
func rootDB(t testing.TB, dbURL string) *sql.DB {
	cfg, err := mysql.DriverConfig(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DBName = ""
	conn, err := driver.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(conn)
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

// killConnections kills every session using database name and returns how many.
func killConnections(t *testing.T, root *sql.DB, name string) int {
	rows, err := root.Query("SELECT id FROM information_schema.processlist WHERE db = ? AND id <> CONNECTION_ID()", name)
	if err != nil {
		t.Error(err)
		return 0
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if rows.Scan(&id) == nil {
			ids = append(ids, id)
		}
	}
	rows.Close()
	n := 0
	for _, id := range ids {
		if _, err := root.Exec("KILL CONNECTION ?", id); err == nil {
			n++
		}
	}
	return n
}
