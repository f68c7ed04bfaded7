package e2e_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/sourcetest"
	"github.com/marketd/marketd/store"
	"github.com/marketd/marketd/store/sqlite"
)

// kill -9 of a running `marketd backfill`: its run used to stay "running"
// forever. status shows and records it abandoned, and the next backfill
// says it resumes from the watermarks.
func TestKilledRunIsAbandoned(t *testing.T) {
	bin := marketdBinary(t)
	requireCommand(t, bin, "backfill")
	ctx := context.Background()
	dbPath := filepath.Join(t.TempDir(), "marketd.db")
	st, err := sqlite.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	const n = 8
	insts, syms := universe(2 * n)
	var yInsts []market.Instrument
	var ySyms []sourcetest.Symbol
	for i := range insts {
		if insts[i].Source == market.SourceYahoo {
			yInsts, ySyms = append(yInsts, insts[i]), append(ySyms, syms[i])
		}
	}
	if _, err := st.AddInstruments(ctx, yInsts); err != nil {
		t.Fatal(err)
	}
	m := sourcetest.New(sourcetest.Options{Symbols: ySyms, HistoryStart: market.NewDate(2024, 1, 2),
		Faults: map[string]sourcetest.Fault{sourcetest.GroupYahoo: {Latency: 50 * time.Millisecond}}})
	rec := newRecorder(m)
	url := server(t, m, rec)
	env := append(cleanEnv(), "MARKETD_DATABASE=sqlite:"+dbPath, "MARKETD_SOURCES_YAHOO_BASE_URL="+url,
		"MARKETD_SOURCES_YAHOO_RATE=unlimited", "MARKETD_SOURCES_YAHOO_WORKERS=1", "MARKETD_LOG_LEVEL=warn")
	args := []string{"backfill", "--source", "yahoo", "--from", "2024-01-02", "--to", "2025-12-31"}

	first := exec.Command(bin, args...)
	first.Env = env
	var out1 bytes.Buffer
	first.Stdout, first.Stderr = &out1, &out1
	var proc atomic.Pointer[os.Process]
	rec.setTrigger(n/2, func() { _ = proc.Load().Kill() })
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	proc.Store(first.Process)
	pid := first.Process.Pid
	if err := first.Wait(); first.ProcessState.ExitCode() != -1 {
		t.Fatalf("first run was not killed: %v\n%s", err, out1.String())
	}
	r, ok, err := st.RunByID(ctx, 1)
	if err != nil || !ok || r.Status != store.RunRunning || r.PID != pid {
		t.Fatalf("killed run as stored: %+v, %v; want running with pid %d", r, err, pid)
	}

	status := exec.Command(bin, "status")
	status.Env = env
	sout, err := status.CombinedOutput()
	if err != nil {
		t.Fatalf("status: %v\n%s", err, sout)
	}
	host, _ := os.Hostname()
	want := fmt.Sprintf("abandoned: process %d on %s is gone", pid, host)
	var line string
	for _, l := range strings.Split(string(sout), "\n") {
		if strings.HasPrefix(l, "backfill ") {
			line = l
		}
	}
	if fields := strings.Fields(line); len(fields) < 4 || fields[2] != "1" || fields[3] != store.RunAbandoned || !strings.Contains(line, want) {
		t.Errorf("status line of the killed run: %q, want run 1 abandoned with %q\n%s", line, want, sout)
	}
	if r, _, _ := st.RunByID(ctx, 1); r.Status != store.RunAbandoned {
		t.Errorf("after status the killed run is recorded %q, want abandoned", r.Status)
	}

	second := exec.Command(bin, args...)
	second.Env = env
	if out, err := second.CombinedOutput(); err != nil {
		t.Fatalf("second run: %v\n%s", err, out)
	}
	r, _, err = st.RunByID(ctx, 2)
	if err != nil || r.Status != store.RunOK || !strings.Contains(r.Message, "resumed from the watermarks after abandoned run 1") {
		t.Errorf("second run %s %q, %v; want ok, saying it resumed after abandoned run 1", r.Status, r.Message, err)
	}
}
