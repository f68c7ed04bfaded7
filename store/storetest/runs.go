package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

// testRunByID reads back one run of several, with its counts and its
// results in (source, symbol) order, and a running run with no finish;
// an id no run has is not found.
func testRunByID(t *testing.T, s *store.Store) {
	ctx := context.Background()
	t0 := time.Date(2026, 9, 29, 6, 40, 0, 0, time.UTC)
	done := &store.Run{Job: "collect", Host: "ip-10-0-0-1", Started: t0}
	if err := s.StartRun(ctx, done); err != nil {
		t.Fatal(err)
	}
	running := &store.Run{Job: "backfill", Host: "ip-10-0-0-2", Started: t0.Add(time.Minute)}
	if err := s.StartRun(ctx, running); err != nil {
		t.Fatal(err)
	}
	done.Finished, done.Status = t0.Add(90*time.Second), store.RunPartial
	done.OK, done.Failed, done.Skipped = 1, 2, 1
	done.Requests, done.Throttled, done.Retries = 7, 1, 3
	done.Inserted, done.Changed, done.Unchanged = 10, 1, 4
	done.Message = "2 of 4 failed"
	done.Results = []store.RunResult{
		{Key: market.Key{Source: market.SourceYahoo, Symbol: "GONE"}, Status: "failed", Error: "yahoo GONE: symbol not found"},
		{Key: market.Key{Source: market.SourceNaver, Symbol: "005930"}, Status: "ok", From: 20260922, To: 20260929, Rows: 6},
		{Key: market.Key{Source: market.SourceNaver, Symbol: "0193T0"}, Status: "failed", From: 20260922, Error: "naver 0193T0: HTTP 503"},
		{Key: market.Key{Source: market.SourceNaver, Symbol: "000660"}, Status: "skipped"},
	}
	if err := s.FinishRun(ctx, done); err != nil {
		t.Fatal(err)
	}

	got, ok, err := s.RunByID(ctx, done.ID)
	if err != nil || !ok {
		t.Fatalf("RunByID(%d) = %v, %v", done.ID, ok, err)
	}
	want := fmt.Sprintf("{ID:%d Job:collect Host:ip-10-0-0-1 PID:0 Heartbeat:2026-09-29 06:40:00 +0000 UTC Started:2026-09-29 06:40:00 +0000 UTC Finished:2026-09-29 06:41:30 +0000 UTC "+
		"Status:partial OK:1 Failed:2 Skipped:1 Requests:7 Throttled:1 Retries:3 Inserted:10 Changed:1 Unchanged:4 Message:2 of 4 failed "+
		"Results:[{Key:naver:000660 Status:skipped From: To: Rows:0 Error:} "+
		"{Key:naver:005930 Status:ok From:2026-09-22 To:2026-09-29 Rows:6 Error:} "+
		"{Key:naver:0193T0 Status:failed From:2026-09-22 To: Rows:0 Error:naver 0193T0: HTTP 503} "+
		"{Key:yahoo:GONE Status:failed From: To: Rows:0 Error:yahoo GONE: symbol not found}]}", done.ID)
	if s := fmt.Sprintf("%+v", got); s != want {
		t.Errorf("RunByID(%d) =\n%s\nwant\n%s", done.ID, s, want)
	}

	got, ok, err = s.RunByID(ctx, running.ID)
	want = fmt.Sprintf("{ID:%d Job:backfill Host:ip-10-0-0-2 PID:0 Heartbeat:2026-09-29 06:41:00 +0000 UTC Started:2026-09-29 06:41:00 +0000 UTC Finished:0001-01-01 00:00:00 +0000 UTC "+
		"Status:running OK:0 Failed:0 Skipped:0 Requests:0 Throttled:0 Retries:0 Inserted:0 Changed:0 Unchanged:0 Message: Results:[]}", running.ID)
	if s := fmt.Sprintf("%+v", got); err != nil || !ok || s != want {
		t.Errorf("RunByID(%d) = %v, %v,\n%s\nwant\n%s", running.ID, ok, err, s, want)
	}

	if got, ok, err := s.RunByID(ctx, running.ID+1); err != nil || ok || got.ID != 0 {
		t.Errorf("RunByID(%d) of no run = %+v, %v, %v; want not found", running.ID+1, got, ok, err)
	}
}

func testRuns(t *testing.T, s *store.Store) {
	ctx := context.Background()
	if _, ok, err := s.LastSuccess(ctx, "collect"); err != nil || ok {
		t.Fatalf("LastSuccess on empty store = %v, %v; want false, nil", ok, err)
	}
	t0 := time.Date(2026, 9, 29, 6, 40, 0, 123456000, time.UTC)
	first := &store.Run{Job: "collect", Host: "ip-10-0-0-1", Started: t0}
	if err := s.StartRun(ctx, first); err != nil {
		t.Fatal(err)
	}
	if first.ID == 0 || first.Status != store.RunRunning {
		t.Fatalf("StartRun set ID %d status %q", first.ID, first.Status)
	}
	first.Finished = t0.Add(90 * time.Second)
	first.Status = store.RunPartial
	first.OK, first.Failed, first.Requests, first.Throttled, first.Retries = 1, 1, 5, 1, 2
	first.Inserted, first.Changed, first.Unchanged = 10, 1, 4
	first.Message = "1 of 2 failed"
	first.Results = []store.RunResult{
		{Key: samsung, Status: "ok", From: date(t, "2026-09-22"), To: date(t, "2026-09-29"), Rows: 6},
		{Key: market.Key{Source: "naver", Symbol: "0193T0"}, Status: "failed", Error: "naver 0193T0: HTTP 503"},
	}
	if err := s.FinishRun(ctx, first); err != nil {
		t.Fatal(err)
	}
	second := &store.Run{Job: "collect", Host: "ip-10-0-0-1", Started: t0.Add(time.Hour)}
	if err := s.StartRun(ctx, second); err != nil {
		t.Fatal(err)
	}
	second.Status, second.Finished = store.RunOK, t0.Add(time.Hour+time.Minute)
	if err := s.FinishRun(ctx, second); err != nil {
		t.Fatal(err)
	}
	other := &store.Run{Job: "validate", Started: t0.Add(2 * time.Hour)}
	if err := s.StartRun(ctx, other); err != nil {
		t.Fatal(err)
	}

	got, err := s.Runs(ctx, "collect", 10)
	if err != nil {
		t.Fatal(err)
	}
	second.Results = nil
	want := []store.Run{*second, *first}
	equal(t, "runs", got, want)
	if got, _ := s.Runs(ctx, "", 1); len(got) != 1 || got[0].Job != "validate" || !got[0].Finished.IsZero() {
		t.Errorf("Runs(all, 1) = %+v, want the running validate run", got)
	}
	last, ok, err := s.LastSuccess(ctx, "collect")
	if err != nil || !ok || !last.Equal(second.Started) {
		t.Errorf("LastSuccess = %v, %v, %v; want %v", last, ok, err, second.Started)
	}

	// A later run on a closed day is no success, but is one of its statuses.
	closed := &store.Run{Job: "collect", Started: t0.Add(3 * time.Hour)}
	if err := s.StartRun(ctx, closed); err != nil {
		t.Fatal(err)
	}
	closed.Status, closed.Finished = store.RunClosed, closed.Started
	if err := s.FinishRun(ctx, closed); err != nil {
		t.Fatal(err)
	}
	last, ok, err = s.LastSuccess(ctx, "collect")
	equal(t, "LastSuccess after a closed run", []any{last, ok, err}, []any{second.Started, true, nil})
	last, ok, err = s.LastRunWith(ctx, "collect", store.RunOK, store.RunClosed)
	equal(t, "LastRunWith ok or closed", []any{last, ok, err}, []any{closed.Started, true, nil})
	last, ok, err = s.LastRunWith(ctx, "collect", store.RunFailed)
	equal(t, "LastRunWith failed", []any{last, ok, err}, []any{time.Time{}, false, nil})
}
