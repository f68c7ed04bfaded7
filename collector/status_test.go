package collector

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/market/calendar"
	"github.com/marketd/marketd/store"
)

// StatusOf groups instruments by market then source, counts the fresh and
// behind among the active ones, and reads each job's last run.
func TestStatusOf(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	yahooUS := func(sym string, active bool) market.Instrument {
		return market.Instrument{Key: market.Key{Source: market.SourceYahoo, Symbol: sym}, Market: market.XNYS, Active: active}
	}
	kr := naverInst("005930", market.BoardKOSPI)
	insts := []market.Instrument{yahooUS("AAPL", true), yahooUS("MSFT", true), kr}
	if _, err := st.AddInstruments(ctx, append(insts, yahooUS("IBM", true))); err != nil {
		t.Fatal(err)
	}
	if _, err := st.DeactivateInstruments(ctx, []market.Key{{Source: market.SourceYahoo, Symbol: "IBM"}}); err != nil {
		t.Fatal(err)
	}
	insts = append(insts, yahooUS("IBM", false))
	now := time.Date(2026, 3, 6, 22, 0, 0, 0, time.UTC) // both markets closed Friday's session
	bar := func(day string) []market.Bar { return []market.Bar{{Date: d(day), Close: market.DecimalFromInt(1)}} }
	if _, err := st.Write(ctx, []store.Write{
		{Key: insts[0].Key, Bars: bar("2026-03-06"), Watermark: d("2026-03-06")},
		{Key: insts[1].Key, Bars: bar("2026-03-04"), Watermark: d("2026-03-04")},
		{Key: insts[3].Key, Bars: bar("2026-02-27"), Watermark: d("2026-02-27")},
	}); err != nil {
		t.Fatal(err)
	}
	started := time.Date(2026, 3, 6, 21, 0, 0, 0, time.UTC)
	run := &store.Run{Job: JobCollect, Started: started}
	if err := st.StartRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	run.Status, run.OK, run.Inserted, run.Finished = store.RunOK, 2, 3, started.Add(time.Minute)
	if err := st.FinishRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	cals := func(_ context.Context, code string) (Calendar, error) { return calendar.For(code) }
	rep, err := StatusOf(ctx, st, cals, now, nil, StatusJobs([]string{"collect-krx", JobCollect}))
	if err != nil {
		t.Fatal(err)
	}
	rep.Database = "sqlite:test.db"
	var out bytes.Buffer
	if err := rep.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	want := `database: sqlite:test.db

MARKET  SOURCE  INSTRUMENTS  ACTIVE  WITH BARS  LATEST BAR  FRESH  BEHIND  OLDEST WATERMARK
XKRX    naver   1            1       0          -           0      1       -
XNYS    yahoo   3            2       3          2026-03-06  1      1       2026-03-04

JOB          LAST RUN              RUN ID  STATUS  OK  FAILED  SKIPPED  ROWS IN/CHANGED  MESSAGE
collect      2026-03-06T21:00:00Z  1       ok      2   0       0        3/0              
backfill     never                 -       -                                             
repair       never                 -       -                                             
collect-krx  never                 -       -                                             
status: 4 instruments (3 active) in 2 market/source groups; latest bar 2026-03-06
`
	if out.String() != want {
		t.Errorf("WriteText:\n%s\nwant\n%s", out.String(), want)
	}
	rep, err = StatusOf(ctx, st, cals, now, market.Choices{{Code: market.XKRX, Board: market.BoardKOSPI}}, nil)
	if err != nil || rep.Instruments != 1 || len(rep.Groups) != 1 || rep.Groups[0].Market != market.XKRX {
		t.Errorf("StatusOf(KOSPI) = %+v, %v; want the KOSPI instrument only", rep, err)
	}
}

// fakeRuns is a RunStore holding one run and its units.
type fakeRuns struct {
	run   store.Run
	units []store.Unit
	err   error // of Units
}

func (f fakeRuns) RunByID(_ context.Context, id int64) (store.Run, bool, error) {
	return f.run, id == f.run.ID, nil
}

func (f fakeRuns) Units(context.Context, int64) ([]store.Unit, error) { return f.units, f.err }

// A run in full: its fields, its units by host and state, its results
// that were not ok or carry a note (an ok one whose older sessions the
// source no longer serves), and its results counted by status, ok first.
func TestRunReport(t *testing.T) {
	t0 := time.Date(2026, 9, 29, 6, 40, 0, 0, time.UTC)
	key := func(sym string) market.Key { return market.Key{Source: market.SourceNaver, Symbol: sym} }
	run := store.Run{ID: 7, Job: "collect-krx", Host: "a", Started: t0, Finished: t0.Add(95 * time.Second), Status: store.RunPartial,
		OK: 2, Failed: 1, Skipped: 1, Requests: 4, Throttled: 1, Inserted: 5, Message: "1 of 4 failed",
		Results: []store.RunResult{
			{Key: key("000660"), Status: "failed", From: d("2026-09-22"), To: d("2026-09-29"), Error: "HTTP 503"},
			{Key: key("005930"), Status: "ok", Rows: 5},
			{Key: key("035720"), Status: "ok", From: d("2026-09-28"), To: d("2026-09-29"), Rows: 780,
				Error: "3 sessions 2026-09-23..2026-09-25 past naver's 1m reach (7 days): not fetched"},
			{Key: key("247540"), Status: "skipped"},
		}}
	units := []store.Unit{
		{Host: "b", State: "done", Symbols: []string{"000660", "005930"}, UnitCounts: store.UnitCounts{OK: 1, Failed: 1, Inserted: 5, Requests: 3}},
		{Host: "a", State: "done", Symbols: []string{"247540"}, UnitCounts: store.UnitCounts{Skipped: 1, Requests: 1}},
		{State: "pending", Symbols: []string{"035720"}},
	}
	rep, ok, err := RunReportOf(context.Background(), fakeRuns{run: run, units: units}, 7)
	if err != nil || !ok {
		t.Fatalf("RunReportOf(7) = %v, %v", ok, err)
	}
	var out bytes.Buffer
	if err := rep.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	want := `run:          7
job:          collect-krx
host:         a
started:      2026-09-29T06:40:00Z
finished:     2026-09-29T06:41:35Z (took 1m35s)
status:       partial
instruments:  2 ok, 1 failed, 1 skipped
requests:     4 (1 throttled, 0 retries)
rows:         5 inserted, 0 changed, 0 unchanged
message:      1 of 4 failed

HOST  STATE    UNITS  INSTRUMENTS  OK  FAILED  SKIPPED  ROWS  REQUESTS
-     pending  1      1            0   0       0        0     0
a     done     1      1            0   0       1        0     1
b     done     1      2            1   1       0        5     3

SOURCE  SYMBOL  STATUS   FROM        TO          ROWS  ERROR
naver   000660  failed   2026-09-22  2026-09-29  0     HTTP 503
naver   035720  ok       2026-09-28  2026-09-29  780   3 sessions 2026-09-23..2026-09-25 past naver's 1m reach (7 days): not fetched
naver   247540  skipped  -           -           0     -
run 7: 4 instrument results: 2 ok, 1 failed, 1 skipped
`
	if out.String() != want {
		t.Errorf("WriteText:\n%s\nwant\n%s", out.String(), want)
	}
	// SQLite cannot share a run: no units, no error.
	rep, _, err = RunReportOf(context.Background(), fakeRuns{run: run, err: store.ErrSingleHost}, 7)
	if err != nil || rep.Units != nil {
		t.Errorf("RunReportOf on a single-host store = %+v, %v; want no units", rep.Units, err)
	}
	if _, ok, err := RunReportOf(context.Background(), fakeRuns{run: run}, 8); ok || err != nil {
		t.Errorf("RunReportOf(8) = %v, %v; want not found", ok, err)
	}
}

func TestRunMessage(t *testing.T) {
	failed := func(sym, err string) store.RunResult {
		return store.RunResult{Key: market.Key{Source: market.SourceNaver, Symbol: sym}, Status: "failed", Error: err}
	}
	ok := store.RunResult{Key: market.Key{Source: market.SourceNaver, Symbol: "005930"}, Status: "ok"}
	for _, tt := range []struct {
		run  store.Run
		want string
	}{
		{store.Run{Status: store.RunOK, Results: []store.RunResult{ok}}, ""},
		{store.Run{Status: store.RunOK, Message: "no active instruments for source naver on market XKRX"},
			"no active instruments for source naver on market XKRX"},
		{store.Run{Status: store.RunPartial, Results: []store.RunResult{ok, failed("0193T0", "HTTP 503")}},
			"failed: naver:0193T0: HTTP 503"},
		{store.Run{Status: store.RunInterrupted, Message: "interrupted; run the same command again to resume",
			Results: []store.RunResult{failed("000660", "HTTP 503"), failed("0193T0", "timeout"), failed("035720", "HTTP 410"), failed("247540", "parse")}},
			"interrupted; run the same command again to resume; failed: naver:000660: HTTP 503; naver:0193T0: timeout; naver:035720: HTTP 410; and 1 more"},
	} {
		if got := RunMessage(tt.run); got != tt.want {
			t.Errorf("RunMessage(%+v) = %q, want %q", tt.run, got, tt.want)
		}
	}
}

func TestSummaryErr(t *testing.T) {
	ok := Summary{Run: store.Run{ID: 4, Job: JobCollect, Status: store.RunOK, Results: make([]store.RunResult, 3)}}
	if err := ok.Err(); err != nil {
		t.Errorf("ok run: %v", err)
	}
	partial := ok
	partial.Status, partial.Failed = store.RunPartial, 2
	if err := partial.Err(); err == nil || err.Error() != "collect run 4: 2 of 3 instruments failed; marketd status --run 4 lists them" {
		t.Errorf("partial run: %v", err)
	}
	failed := ok
	failed.Status, failed.Results = store.RunFailed, make([]store.RunResult, 1)
	if err := failed.Err(); err == nil || err.Error() != "collect run 4: 0 of 1 instrument failed; marketd status --run 4 lists them" {
		t.Errorf("failed run: %v", err)
	}
}

// Report prints the run's line and fails the command as the run did.
func TestSummaryReport(t *testing.T) {
	var out bytes.Buffer
	s := Summary{Run: store.Run{ID: 2, Job: JobCollect, Status: store.RunPartial, Failed: 1, Results: make([]store.RunResult, 2)}}
	err := s.Report(&out, nil)
	if out.String() != s.String()+"\n" || err == nil || err.Error() != "collect run 2: 1 of 2 instruments failed; marketd status --run 2 lists them" {
		t.Errorf("Report = %q, %v", out.String(), err)
	}
	out.Reset()
	stopped := errors.New("interrupted")
	if err := (Summary{}).Report(&out, stopped); err != stopped || out.Len() != 0 {
		t.Errorf("Report of a run that recorded nothing = %q, %v", out.String(), err)
	}
	if p := ProgressTo(&out, false, nil); p == nil {
		t.Error("ProgressTo gave no progress")
	}
	if _, ok := ProgressTo(&out, true, nil).(*Bar); !ok {
		t.Error("ProgressTo on a terminal is not a bar")
	}
}
