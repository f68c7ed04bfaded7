package collector

import (
	"context"
	"errors"
	"io"
	"net"
	"net/url"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/marketd/marketd/store"
	"github.com/marketd/marketd/store/mysql"
)

// dbLink is a TCP proxy between one host and the database server: cut
// closes every connection through it and refuses new ones, as a host that
// lost its network path to the database sees it.
type dbLink struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  []net.Conn
	cutAt  bool
}

func newDBLink(t *testing.T, target string) *dbLink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := &dbLink{ln: ln, target: target}
	t.Cleanup(l.cut)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go l.pipe(c)
		}
	}()
	return l
}

func (l *dbLink) pipe(c net.Conn) {
	s, err := net.Dial("tcp", l.target)
	if err != nil {
		c.Close()
		return
	}
	l.mu.Lock()
	if l.cutAt {
		l.mu.Unlock()
		c.Close()
		s.Close()
		return
	}
	l.conns = append(l.conns, c, s)
	l.mu.Unlock()
	go func() { _, _ = io.Copy(s, c); s.Close() }()
	_, _ = io.Copy(c, s)
	c.Close()
}

func (l *dbLink) cut() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cutAt = true
	l.ln.Close()
	for _, c := range l.conns {
		c.Close()
	}
}

// through returns dbURL with its server replaced by the link.
func (l *dbLink) through(t *testing.T, dbURL string) string {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	u.Host = l.ln.Addr().String()
	return u.String()
}

// A host that loses the database in the middle of a unit (its link cut
// after it stored the unit's first instrument and fetched the second)
// stops: it commits nothing more, claims nothing more, and its unit's
// lease runs out; the owner takes the unit over and redoes it from the
// watermarks. Every unit is done once by a host that could commit it,
// every bar lands, and the run's counts are the units' sums: nothing the
// cut host did is counted twice, or at all beyond what it committed.
func TestHostWithoutDatabaseStopsAndItsUnitIsRedone(t *testing.T) {
	w, counts, cfg, owner := newFailover(t)
	ctx := context.Background()
	link := newDBLink(t, dbServer(t, w.dbURL))
	cutSt, err := mysql.Open(ctx, mysql.Config{URL: link.through(t, w.dbURL)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cutSt.Close() })
	var cutOnce sync.Once
	cut := counted(w.host(t, "h2", cfg, rate.Inf), counts, func(n int) error {
		if n == 2 {
			cutOnce.Do(link.cut)
		}
		return nil
	})
	cut.deps.Store, cut.deps.Units = cutSt, cutSt

	// h2 polls and joins as a daemon does, until the run ends.
	stop := make(chan struct{})
	var tally WorkTally
	var polls, failedPolls int
	joined := make(chan struct{})
	go func() {
		defer close(joined)
		for {
			ids, err := cutSt.OpenUnitRuns(ctx)
			polls++
			if err != nil {
				failedPolls++
			}
			for _, id := range ids {
				t, _ := cut.Work(ctx, id)
				tally = tally.add(t)
			}
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	s, err := owner.Collect(ctx, CollectRequest{Shared: true})
	close(stop)
	<-joined
	if err != nil {
		t.Fatal(err)
	}
	if tally != (WorkTally{Claimed: 1, Lost: 1}) || failedPolls == 0 {
		t.Fatalf("the cut host's part: %+v (%d of %d polls failed); want one unit claimed and lost, and failed polls after the cut", tally, failedPolls, polls)
	}
	units, err := w.st.Units(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	taken := takenOver(t, units, "h1")
	// The cut host committed its unit's first instrument: the redo finds
	// it up to date. The second it fetched but could not store: fetched
	// again. Its completion never committed, so nothing it did is counted.
	sum := sumUnits(units)
	if s.OK != 19 || s.Skipped != 1 || s.Failed != 0 || s.Status != store.RunOK || s.Requests != sum.Requests || s.Inserted != sum.Inserted || sum.Requests != 19 {
		t.Errorf("summary %s, units sum to %+v; want 19 ok, 1 skipped, 19 requests (the owner's)", s, sum)
	}
	w.checkFetches(t, counts, taken.Symbols[1]) // fetched by the cut host, then by the owner
	if st := w.m.Stats(); st.Requests != 21 || st.Violations != 0 {
		t.Errorf("market saw %d requests (%d violations); want 21: the owner's 19 and the cut host's 2", st.Requests, st.Violations)
	}
	run, _, err := w.st.RunByID(ctx, s.ID)
	// An instrument found up to date has no result of its own.
	if err != nil || run.OK != 19 || run.Skipped != 1 || len(run.Results) != 19 {
		t.Errorf("run record %+v, %v; want 19 ok, 1 skipped, 19 results", run, err)
	}
	w.checkTruth(t)
}

// dbServer is the host:port of the database server of dbURL.
func dbServer(t *testing.T, dbURL string) string {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil || u.Host == "" {
		t.Fatal(errors.Join(err, errors.New("no server in the database URL")))
	}
	return u.Host
}
