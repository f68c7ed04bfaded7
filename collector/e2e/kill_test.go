package e2e_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/market/calendar"
	"github.com/marketd/marketd/sources/sourcetest"
	"github.com/marketd/marketd/store/mysql"
	"github.com/marketd/marketd/store/storetest"
)

// `kill -9` of a real `marketd backfill` in the middle of the run, then the
// same command again: the store equals the ground truth, and the second
// run fetches each instrument only from its first uncommitted session.
func TestBackfillKilledAndResumed(t *testing.T) {
	bin := marketdBinary(t)
	requireCommand(t, bin, "backfill")
	ctx := context.Background()
	dbURL := storetest.FreshMySQLURL(t)
	st, err := mysql.Open(ctx, mysql.Config{URL: dbURL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}

	// 11 years: more than one write transaction (2,000 bars) per instrument,
	// so an instrument can be caught half committed.
	const n = 24
	insts, syms := universe(2 * n) // the Yahoo half
	var yahooInsts []market.Instrument
	var yahooSyms []sourcetest.Symbol
	for i := range insts {
		if insts[i].Source == market.SourceYahoo {
			yahooInsts, yahooSyms = append(yahooInsts, insts[i]), append(yahooSyms, syms[i])
		}
	}
	from, to := market.NewDate(2015, 1, 2), market.NewDate(2025, 12, 31)
	m := sourcetest.New(sourcetest.Options{Symbols: yahooSyms, HistoryStart: market.NewDate(2014, 1, 2),
		Faults: map[string]sourcetest.Fault{sourcetest.GroupYahoo: {Latency: 30 * time.Millisecond}}})
	rec := newRecorder(m)
	url := server(t, m, rec)
	if _, err := st.AddInstruments(ctx, yahooInsts); err != nil {
		t.Fatal(err)
	}

	args := []string{"backfill", "--source", "yahoo", "--from", from.String(), "--to", to.String()}
	env := append(cleanEnv(), "MARKETD_DATABASE="+dbURL, "MARKETD_SOURCES_YAHOO_BASE_URL="+url,
		"MARKETD_SOURCES_YAHOO_RATE=unlimited", "MARKETD_LOG_LEVEL=warn")
	first := exec.Command(bin, args...)
	first.Env = env
	var out1 bytes.Buffer
	first.Stdout, first.Stderr = &out1, &out1
	var proc atomic.Pointer[os.Process]
	rec.setTrigger(n/2, func() { _ = proc.Load().Kill() }) // SIGKILL: no chance to finish anything
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	proc.Store(first.Process)
	err = first.Wait()
	if ws := first.ProcessState; ws == nil || ws.ExitCode() != -1 || !strings.Contains(fmt.Sprint(err), "killed") {
		t.Fatalf("first run was not killed: %v\n%s", err, out1.String())
	}

	// What the kill left committed, per instrument: where it must resume.
	xnys, _ := calendar.For(market.XNYS)
	sessions := xnys.Sessions(from, to)
	resume := map[string]market.Date{}
	complete, partial := 0, 0
	for _, in := range yahooInsts {
		bars, err := st.Bars(ctx, in.Key, from, to)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case len(bars) == 0:
			resume[in.Symbol] = from
		case len(bars) == len(sessions):
			complete++
		default:
			if bars[len(bars)-1].Date != sessions[len(bars)-1] {
				t.Fatalf("%s: the killed run left a hole: %d bars ending %s", in.Key, len(bars), bars[len(bars)-1].Date)
			}
			resume[in.Symbol] = sessions[len(bars)]
			partial++
		}
	}
	if complete == 0 || len(resume) == 0 {
		t.Fatalf("kill after %d requests left %d instruments complete and %d to resume: not mid-run", n/2, complete, len(resume))
	}
	before, asked1 := rec.snapshot()

	second := exec.Command(bin, args...)
	second.Env = env
	out2, err := second.CombinedOutput()
	if err != nil {
		t.Fatalf("second run: %v\n%s", err, out2)
	}
	after, asked2 := rec.snapshot()
	for _, in := range yahooInsts {
		again := asked2[in.Symbol][len(asked1[in.Symbol]):]
		want, due := resume[in.Symbol]
		switch {
		case !due && len(again) != 0:
			t.Errorf("%s was complete after the kill, but the rerun fetched it again from %v", in.Symbol, again)
		case due && (len(again) != 1 || again[0] != want):
			t.Errorf("%s: the rerun asked from %v, want once from %s (its first uncommitted session)", in.Symbol, again, want)
		}
	}
	checkTruthRange(t, st, m, yahooInsts, from, to)
	t.Logf("killed after %d requests (%d instruments complete, %d half committed, %d to resume); rerun sent %d requests",
		before, complete, partial, len(resume), after-before)
}
