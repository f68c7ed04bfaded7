package e2e_test

import (
	"context"
	"os/exec"
	"sync/atomic"
	"testing"
	"time"

	"github.com/marketd/marketd/store"
)

// kill -9 of one of three `marketd run` processes sharing a collect, one
// that joined (the owner's death leaves the run record to the abandoned-run
// check: see README, Scaling out): its unit's lease runs out (30s) and
// another process redoes the unit from the watermarks. Every bar lands,
// the run finishes ok, no unit that was done is fetched again, and no
// address goes over its budget.
func TestSharedRunSurvivesKill(t *testing.T) {
	bin := marketdBinary(t)
	ctx := context.Background()
	const n, rps = 240, 20
	m, insts := perAddressMarket(n, rps)
	rec := newRecorder(m)
	url := server(t, m, rec)
	st, dbURL := storeWith(t, insts)

	addrs := []string{"127.0.0.2", "127.0.0.3", "127.0.0.4"}
	// Three quarters of each address's budget: the test is about failover,
	// and a loaded machine (the race detector) bunches requests.
	procs := startDaemons(t, bin, dbURL, url, rps*60*3/4, addrs)
	t.Cleanup(func() { stopDaemons(procs) })
	// By the 60th request every process is working on a unit.
	var victim atomic.Pointer[exec.Cmd]
	rec.setTrigger(60, func() {
		runs, err := st.Runs(ctx, "collect-us", 1)
		if err != nil || len(runs) != 1 {
			return // no victim: the checks below fail
		}
		for _, p := range procs {
			if p.Process.Pid != runs[0].PID {
				victim.Store(p)
				_ = p.Process.Kill()
				return
			}
		}
	})

	run := waitRun(t, st, 3*time.Minute)
	killed := victim.Load()
	if killed == nil {
		t.Fatal("no process was killed")
	}
	if err := killed.Wait(); err == nil || killed.ProcessState.ExitCode() != -1 {
		t.Fatalf("the joined process was not killed: %v", err)
	}
	// An instrument the killed process had stored whole is up to date when
	// its unit is redone: skipped, not fetched again.
	if run.Status != store.RunOK || run.OK+run.Skipped != n || run.Failed != 0 {
		t.Fatalf("run %+v; want ok, %d instruments ok or already complete", run, n)
	}
	units, err := st.Units(ctx, run.ID)
	if err != nil {
		t.Fatal(err)
	}
	_, asks := rec.snapshot()
	taken := 0
	for _, u := range units {
		if u.State != store.UnitDone || u.Claims > 2 {
			t.Errorf("unit %+v, want done, claimed at most twice", u)
		}
		if u.Claims == 2 {
			taken++
		}
		for _, sym := range u.Symbols {
			// A unit done by its first claimant is fetched once; one
			// taken over, at most twice.
			if got := len(asks[sym]); got < 1 || got > u.Claims {
				t.Errorf("%s (unit %d, claimed %d times) fetched %d times", sym, u.Number, u.Claims, got)
			}
		}
	}
	if taken == 0 {
		t.Errorf("no unit was taken over from the killed process: %+v", units)
	}
	for client, c := range m.Stats().Clients {
		if c.Violations != 0 {
			t.Errorf("%s: %d requests over its budget", client, c.Violations)
		}
	}
	to := lastClosed(t, insts[0], time.Now())
	checkTruthRange(t, st, m, insts, to.AddDays(-300), to)
	t.Logf("%s; %d units taken over", run.Message, taken)
}
