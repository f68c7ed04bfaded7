package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/marketd/marketd/store"
	"github.com/marketd/marketd/store/mysql"
	"github.com/marketd/marketd/store/storetest"

	"github.com/marketd/marketd/cmd/marketd/internal/cli"
)

// status --run of a run shared between hosts shows its units by host and
// state.
func TestStatusRunShowsUnits(t *testing.T) {
	ctx := context.Background()
	raw := storetest.FreshMySQLURL(t)
	t.Chdir(t.TempDir())
	st, err := mysql.Open(ctx, mysql.Config{URL: raw})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	run := &store.Run{Job: "collect-us", Host: "host-a", Started: time.Date(2026, 3, 6, 22, 0, 0, 0, time.UTC)}
	if err := st.StartRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	units := []store.Unit{
		{Source: "yahoo", Symbols: []string{"AAPL", "MSFT"}},
		{Source: "yahoo", Symbols: []string{"NVDA", "TSLA"}},
		{Source: "yahoo", Symbols: []string{"AMZN"}},
		{Source: "yahoo", Symbols: []string{"META", "NFLX", "ORCL"}},
	}
	if err := st.CreateUnits(ctx, run.ID, units); err != nil {
		t.Fatal(err)
	}
	claim := func(owner, host string) store.Unit {
		u, ok, err := st.ClaimUnit(ctx, run.ID, "", owner, host, time.Minute)
		if err != nil || !ok {
			t.Fatal(ok, err)
		}
		return u
	}
	for _, c := range []struct {
		owner, host string
		counts      store.UnitCounts
	}{
		{"a/1/x", "host-a", store.UnitCounts{OK: 2, Inserted: 40, Requests: 2}},
		{"b/1/y", "host-b", store.UnitCounts{OK: 1, Failed: 1, Inserted: 20, Requests: 3}},
	} {
		u := claim(c.owner, c.host)
		if _, err := st.WriteUnit(ctx, nil, store.UnitCompletion{RunID: run.ID, Number: u.Number, Owner: c.owner, Counts: c.counts}); err != nil {
			t.Fatal(err)
		}
	}
	claim("b/1/y", "host-b") // still working on it

	r := marketd(t, []string{"MARKETD_DATABASE=" + raw}, "status", "--run", fmt.Sprint(run.ID))
	want := "\nHOST    STATE    UNITS  INSTRUMENTS  OK  FAILED  SKIPPED  ROWS  REQUESTS\n" +
		"-       pending  1      3            0   0       0        0     0\n" +
		"host-a  done     1      2            2   0       0        40    2\n" +
		"host-b  claimed  1      1            0   0       0        0     0\n" +
		"host-b  done     1      2            1   1       0        20    3\n"
	if r.code != cli.ExitOK || !strings.Contains(r.stdout, want) {
		t.Errorf("status --run %d: exit %d, stderr %q, stdout\n%s\nwant within it\n%s", run.ID, r.code, r.stderr, r.stdout, want)
	}
}
