package schedule

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/marketd/marketd/store"
	"github.com/marketd/marketd/store/mysql"
)

// TestSharedDatabaseRunsEachSlotOnce runs two schedulers ("hosts") with
// their own connection pools on one database and one clock: every slot
// must run exactly once, also when both daemons run on one host (the
// claim's owner used to be the host name, and a claim by the same owner
// counted as won).
func TestSharedDatabaseRunsEachSlotOnce(t *testing.T) {
	for _, tc := range []struct{ backend, hostA, hostB string }{
		{"sqlite", "host-a", "host-b"}, {"mysql", "host-a", "host-b"},
		{"sqlite", "same-host", "same-host"}, {"mysql", "same-host", "same-host"},
	} {
		backend := tc.backend
		t.Run(backend+"/"+tc.hostA+"+"+tc.hostB, func(t *testing.T) {
			var a, b *store.Store
			switch backend {
			case "sqlite":
				var path string
				a, path = tempSQLite(t)
				b = openSQLite(t, path)
			case "mysql":
				u := mysqlURL(t)
				a, b = openMySQL(t, u), openMySQL(t, u)
			}
			start := utc("2026-11-20T00:00:30Z")
			seedSuccess(t, a, "hourly", start)
			h := newHarness(t, start)
			job := func(host string) []Job {
				return []Job{{
					Spec: JobSpec{Name: "hourly", Cron: "0 0 * * * *", TZ: "UTC"},
					Run: func(_ context.Context, _ JobSpec, run *store.Run) error {
						run.Message = "ran on " + host
						return nil
					},
				}}
			}
			sa := h.scheduler(a, tc.hostA, job(tc.hostA))
			sb := h.scheduler(b, tc.hostB, job(tc.hostB))
			h.start(sa)
			h.start(sb)

			slots := []time.Time{utc("2026-11-20T01:00:00Z"), utc("2026-11-20T02:00:00Z"), utc("2026-11-20T03:00:00Z")}
			for _, at := range slots {
				h.advanceTo(2, at)
				r := h.next(1)[0]
				if r.Status != store.RunOK || !r.Started.Equal(at) || r.Message != "ran on "+r.Host {
					t.Fatalf("slot %s: run %+v", at, r)
				}
			}
			h.advanceTo(2, utc("2026-11-20T03:30:00Z")) // both hosts done with the last slot
			sa.Stop()                                   // and no run still in flight
			sb.Stop()
			if len(h.runs) != 0 {
				t.Fatalf("a slot ran twice: %+v", <-h.runs)
			}
			runs, err := a.Runs(context.Background(), "hourly", 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(runs) != len(slots)+1 {
				t.Fatalf("stored runs = %d, want %d (seed + one per slot): %+v", len(runs), len(slots)+1, runs)
			}
			for i, at := range slots {
				if r := runs[len(slots)-1-i]; !r.Started.Equal(at) || r.Status != store.RunOK {
					t.Errorf("stored run for slot %s = %+v", at, r)
				}
			}
			var claims int
			if err := a.DB().QueryRow(`SELECT COUNT(*) FROM job_slots WHERE job = 'hourly'`).Scan(&claims); err != nil {
				t.Fatal(err)
			}
			if claims != len(slots) {
				t.Fatalf("slot claims = %d, want %d", claims, len(slots))
			}
		})
	}
}

// TestLeaderModeHandsOverWhenTheLeaderDies: only the lock holder runs; when
// its pinned connection dies, the other host takes over.
func TestLeaderModeHandsOverWhenTheLeaderDies(t *testing.T) {
	u := mysqlURL(t)
	a, b := openMySQL(t, u), openMySQL(t, u)
	ctx := context.Background()
	start := utc("2026-11-20T00:00:30Z")
	seedSuccess(t, a, "hourly", start)
	h := newHarness(t, start)
	la := mysql.NewLeader(a.DB(), "marketd", time.Second, quietLog())
	lb := mysql.NewLeader(b.DB(), "marketd", time.Second, quietLog())
	t.Cleanup(la.Release)
	t.Cleanup(lb.Release)
	jobs := []Job{{
		Spec: JobSpec{Name: "hourly", Cron: "0 0 * * * *", TZ: "UTC"},
		Run:  func(context.Context, JobSpec, *store.Run) error { return nil },
	}}
	sa := h.scheduler(a, "host-a", jobs, func(c *Config) { c.Elector = la })
	sb := h.scheduler(b, "host-b", jobs, func(c *Config) { c.Elector = lb })
	if err := la.IsLeader(ctx); err != nil {
		t.Fatalf("host-a takes the lock: %v", err)
	}
	h.start(sa)
	h.start(sb)

	h.advanceTo(2, utc("2026-11-20T01:00:00Z"))
	if r := h.next(1)[0]; r.Host != "host-a" {
		t.Fatalf("01:00 ran on %s, want the leader host-a", r.Host)
	}

	// host-a's pinned connection dies; the server frees its lock and
	// host-b's next check (its Run loop's tick) takes it.
	id, held, err := lb.Holder(ctx)
	if err != nil || !held {
		t.Fatalf("lock holder: %d %v %v", id, held, err)
	}
	if _, err := b.DB().ExecContext(ctx, fmt.Sprintf("KILL %d", id)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(wait)
	for {
		err := lb.IsLeader(ctx)
		if err == nil {
			break
		}
		if !errors.Is(err, mysql.ErrNotLeader) || time.Now().After(deadline) {
			t.Fatalf("host-b taking over: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}

	h.advanceTo(2, utc("2026-11-20T02:00:00Z"))
	if r := h.next(1)[0]; r.Host != "host-b" || r.Status != store.RunOK {
		t.Fatalf("02:00 ran on %s (%s), want the new leader host-b", r.Host, r.Status)
	}
	h.advanceTo(2, utc("2026-11-20T02:30:00Z"))
	sa.Stop()
	sb.Stop()
	if len(h.runs) != 0 {
		t.Fatalf("the old leader ran too: %+v", <-h.runs)
	}
	var slots int
	if err := a.DB().QueryRow(`SELECT COUNT(*) FROM job_slots`).Scan(&slots); err != nil {
		t.Fatal(err)
	}
	if slots != 2 {
		t.Fatalf("slot claims = %d, want 2 (a follower claims nothing)", slots)
	}
}

// TestCatchUpClaimsTheScheduledSlot: a host starting while another runs a
// slot must not catch that slot up. The catch-up used to claim
// "job#catch-up@slot" beside the scheduled "job@slot", so both ran.
func TestCatchUpClaimsTheScheduledSlot(t *testing.T) {
	a, path := tempSQLite(t)
	b := openSQLite(t, path)
	start := utc("2026-11-20T00:00:30Z")
	seedSuccess(t, a, "hourly", start)
	h := newHarness(t, start)
	release, started := make(chan struct{}), make(chan struct{})
	job := func(host string) []Job {
		return []Job{{
			Spec: JobSpec{Name: "hourly", Cron: "0 0 * * * *", TZ: "UTC"},
			Run: func(_ context.Context, _ JobSpec, run *store.Run) error {
				run.Message = "ran on " + host
				if host == "host-a" {
					close(started)
					<-release
				}
				return nil
			},
		}}
	}
	sa := h.scheduler(a, "host-a", job("host-a"))
	h.start(sa)
	h.advanceTo(1, utc("2026-11-20T01:00:00Z"))
	<-started // host-a runs the 01:00 slot and has not finished

	sb := h.scheduler(b, "host-b", job("host-b")) // its catch-up sees 01:00 due, not yet done
	h.start(sb)
	select {
	case r := <-h.runs:
		t.Fatalf("the slot host-a is running ran again: %+v", r)
	case <-time.After(300 * time.Millisecond):
	}
	close(release)
	if r := h.next(1)[0]; r.Message != "ran on host-a" || !r.Started.Equal(utc("2026-11-20T01:00:00Z")) {
		t.Fatalf("01:00 run = %+v, want host-a's", r)
	}
	sa.Stop()
	sb.Stop()
	if len(h.runs) != 0 {
		t.Fatalf("a slot ran twice: %+v", <-h.runs)
	}
}
