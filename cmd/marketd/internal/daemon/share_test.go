package daemon_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/marketd/marketd/cmd/marketd/internal/config"
	"github.com/marketd/marketd/cmd/marketd/internal/daemon"
	"github.com/marketd/marketd/collector"
	"github.com/marketd/marketd/sources/httpx"
	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/market/calendar"
	"github.com/marketd/marketd/sources/sourcetest"
	"github.com/marketd/marketd/sources/yahoo"
	"github.com/marketd/marketd/store"
	"github.com/marketd/marketd/store/mysql"
	"github.com/marketd/marketd/store/storetest"
)

// Two daemons on one MariaDB database: the one that claims the collect's
// slot splits it into units, the other joins within its poll; every
// instrument is collected, the run record sums both hosts' units and names
// them, status data (the units) says who did what, and each daemon counts
// its units in marketd_units_total.
func TestDaemonsShareACollect(t *testing.T) {
	ctx := context.Background()
	dbURL := storetest.FreshMySQLURL(t)
	now := time.Date(2026, 3, 6, 22, 0, 0, 0, time.UTC) // Fri 17:00 New York: the day's session settled
	clock := func() time.Time { return now }
	var syms []sourcetest.Symbol
	var insts []market.Instrument
	for i := range 40 {
		sym := fmt.Sprintf("US%03d", i)
		syms = append(syms, sourcetest.Symbol{Symbol: sym})
		insts = append(insts, market.Instrument{Key: market.Key{Source: market.SourceYahoo, Symbol: sym}, Market: market.XNYS, Active: true})
	}
	m := sourcetest.New(sourcetest.Options{Now: clock, Symbols: syms})
	url, stopMarket := m.Start()
	t.Cleanup(stopMarket)

	open := func() *store.Store {
		st, err := mysql.Open(ctx, mysql.Config{URL: dbURL})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	st := open()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddInstruments(ctx, insts); err != nil {
		t.Fatal(err)
	}
	// Each host has its own store pool and its own budget: 40 requests a
	// second, so that one host alone would take a second and the other
	// has time to join.
	build := func(host string, st *store.Store) func(context.Context, config.Config) (*daemon.Generation, error) {
		return func(_ context.Context, cfg config.Config) (*daemon.Generation, error) {
			cals := calendar.NewBook(nil, nil)
			pool := httpx.NewPool(httpx.Config{Rate: rate.Limit(40), Burst: 1}, nil)
			c, err := collector.New(collector.Config{Host: host, UnitSize: 4, Lease: 30 * time.Second, UnitPoll: 20 * time.Millisecond,
				InitialHistory: func(to market.Date) market.Date { return to.AddDays(-30) }}, collector.Deps{
				Sources:   map[string]collector.Source{market.SourceYahoo: yahoo.New(yahoo.Config{BaseURL: url, Now: clock}, pool.Client())},
				Store:     st,
				Units:     st,
				Calendars: func(ctx context.Context, code string) (collector.Calendar, error) { return cals.For(ctx, code) },
				Log:       slog.New(slog.DiscardHandler),
				Now:       clock,
				Stats:     func() map[string]httpx.Stats { return map[string]httpx.Stats{market.SourceYahoo: pool.Total()} },
			})
			if err != nil {
				return nil, err
			}
			return &daemon.Generation{Config: cfg, Collector: c, Calendars: cals, Pools: map[string]*httpx.Pool{market.SourceYahoo: pool}}, nil
		}
	}
	cfg := loadConfig(t, fmt.Sprintf(baseConfig, "0 30 17 * * MON-FRI"))
	var daemons []*daemon.Daemon
	for _, host := range []string{"host-a", "host-b"} {
		hst := open()
		d, err := daemon.New(ctx, cfg, daemon.Deps{Store: hst, Build: build(host, hst), Log: slog.New(slog.DiscardHandler),
			Host: host, Version: "test", Now: clock, JoinEvery: 20 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		daemons = append(daemons, d)
	}
	// Both catch up the missed slot at start; one claims it.
	var stops []func() error
	for _, d := range daemons {
		stops = append(stops, start(t, d))
	}
	var runs []store.Run
	var err error
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if runs, err = st.Runs(ctx, "collect-us", 10); err != nil {
			t.Fatal(err)
		}
		if len(runs) > 0 && runs[0].Status != store.RunRunning || time.Now().After(deadline) {
			break
		}
	}
	var metrics []string
	for _, d := range daemons {
		resp, err := http.Get("http://" + d.Addr() + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		metrics = append(metrics, string(body))
	}
	for _, stop := range stops {
		if err := stop(); err != nil {
			t.Error(err)
		}
	}
	if len(runs) != 1 || runs[0].Status != store.RunOK || runs[0].OK != 40 || runs[0].Inserted == 0 {
		t.Fatalf("runs: %+v; want one ok run of 40 instruments", runs)
	}
	units, err := st.Units(ctx, runs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	done := map[string]int{}
	var sum store.UnitCounts
	for _, u := range units {
		if u.State != store.UnitDone || u.Claims != 1 {
			t.Errorf("unit %+v, want done once", u)
		}
		done[u.Host]++
		sum = sum.Add(u.UnitCounts)
	}
	if len(units) != 10 || done["host-a"] == 0 || done["host-b"] == 0 {
		t.Errorf("%d units, by host %v; want 10 shared by host-a and host-b", len(units), done)
	}
	r := runs[0]
	if got := (store.UnitCounts{OK: r.OK, Failed: r.Failed, Skipped: r.Skipped, Inserted: r.Inserted, Changed: r.Changed,
		Unchanged: r.Unchanged, Requests: r.Requests, Throttled: r.Throttled, Retries: r.Retries}); got != sum {
		t.Errorf("run counts %+v, units sum to %+v", got, sum)
	}
	if want := fmt.Sprintf("10 work units, done by host-a (%d), host-b (%d)", done["host-a"], done["host-b"]); r.Message != want {
		t.Errorf("message %q, want %q", r.Message, want)
	}
	for i, host := range []string{"host-a", "host-b"} {
		want := fmt.Sprintf(`marketd_units_total{state="done"} %d`, done[host])
		if !slices.ContainsFunc(strings.Split(metrics[i], "\n"), func(l string) bool { return l == want }) {
			t.Errorf("%s's /metrics lacks %s", host, want)
		}
	}
	if st := m.Stats(); st.Requests != 40 || st.Violations != 0 {
		t.Errorf("market saw %d requests, %d violations; want 40 (each instrument once), 0", st.Requests, st.Violations)
	}
}
