package e2e_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/marketd/marketd/store"
)

// kill -9 of one of three `marketd run` processes sharing a collect, one
// that joined: its unit's lease runs out (30s) and another process redoes
// the unit from the watermarks. Every bar lands, the run finishes ok, no
// unit that was done is fetched again, and no address goes over its
// budget.
func TestSharedRunSurvivesKill(t *testing.T) {
	killMidRun(t, false)
}

// kill -9 of the process that owns the shared run (it claimed the slot
// and split the run): once its lease runs out (30s) one of the two others
// takes the run over, redoes the owner's unfinished unit, and records the
// run once: ok, every bar landed, the record names that process and every
// host that did units.
func TestSharedRunSurvivesOwnerKill(t *testing.T) {
	killMidRun(t, true)
}

// killMidRun kills one of three processes sharing a collect by its 60th
// request, the run's owner or one that joined, and checks the run's end.
func killMidRun(t *testing.T, owner bool) {
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
	var victimAddr atomic.Value
	rec.setTrigger(60, func() {
		runs, err := st.Runs(ctx, "collect-us", 1)
		if err != nil || len(runs) != 1 {
			return // no victim: the checks below fail
		}
		for i, p := range procs {
			if (p.Process.Pid == runs[0].PID) == owner {
				victim.Store(p)
				victimAddr.Store(addrs[i])
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
		t.Fatalf("the process was not killed: %v", err)
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
	var sum store.UnitCounts
	for _, u := range units {
		if u.State != store.UnitDone || u.Claims > 2 {
			t.Errorf("unit %+v, want done, claimed at most twice", u)
		}
		if u.Claims == 2 {
			taken++
		}
		sum = sum.Add(u.UnitCounts)
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
	if got := (store.UnitCounts{OK: run.OK, Failed: run.Failed, Skipped: run.Skipped, Inserted: run.Inserted, Changed: run.Changed,
		Unchanged: run.Unchanged, Requests: run.Requests, Throttled: run.Throttled, Retries: run.Retries}); got != sum {
		t.Errorf("run counts %+v, units sum to %+v", got, sum)
	}
	if owner {
		sr, _, err := st.SharedRunOf(ctx, run.ID)
		dead, _ := victimAddr.Load().(string)
		if err != nil || sr.Takeovers != 1 || strings.HasSuffix(sr.Host, "@"+dead) || run.PID == killed.Process.Pid ||
			!strings.HasSuffix(run.Message, fmt.Sprintf("; recorded by %s, which took the run over from %s", sr.Host, hostAt(t, dead))) {
			t.Errorf("run %+v, ownership %+v (%v); want taken over once from the killed owner on %s, and said so", run, sr, err, dead)
		}
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

// hostAt is how units name the process of this machine bound to addr.
func hostAt(t *testing.T, addr string) string {
	t.Helper()
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	return host + "@" + addr
}
