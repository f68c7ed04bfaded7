package schedule

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/marketd/marketd/store"
)

func TestMarketJobsFireInTheirZonesAcrossDST(t *testing.T) {
	st, _ := tempSQLite(t)
	start := utc("2026-10-30T00:00:00Z") // a Friday; New York leaves DST on Sunday 2026-11-01
	seedSuccess(t, st, "collect-krx", start)
	seedSuccess(t, st, "collect-us", start)
	h := newHarness(t, start)
	fired := make(chan firing, 8)
	var jobs []Job
	// A market job in its own zone, as a configuration may still name one.
	us := JobSpec{Name: "collect-us", Cron: "0 30 17 * * MON-FRI", TZ: "America/New_York", Source: "yahoo", Market: "XNYS", Timeout: 2 * time.Hour}
	for _, spec := range []JobSpec{DefaultJobs()[0], us} {
		jobs = append(jobs, Job{Spec: spec, Run: recorder(h.clock, fired)})
	}
	s := h.scheduler(st, "a", jobs)
	h.start(s)

	want := []firing{
		{"collect-krx", utc("2026-10-30T11:30:00Z")}, // 20:30 KST
		{"collect-us", utc("2026-10-30T21:30:00Z")},  // 17:30 EDT
		{"collect-krx", utc("2026-11-02T11:30:00Z")}, // Monday 20:30 KST
		{"collect-us", utc("2026-11-02T22:30:00Z")},  // Monday 17:30 EST
	}
	for _, w := range want {
		h.advanceTo(2, w.at)
		got := <-fired
		if got.job != w.job || !got.at.Equal(w.at) {
			t.Fatalf("fired %s at %s, want %s at %s", got.job, got.at.UTC(), w.job, w.at)
		}
		r := h.next(1)[0]
		if r.Job != w.job || r.Status != store.RunOK || !r.Started.Equal(w.at) || r.Host != "a" {
			t.Fatalf("recorded %+v, want %s ok started %s by a", r, w.job, w.at)
		}
	}
	runs, err := st.Runs(context.Background(), "collect-us", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 3 || !runs[0].Started.Equal(want[3].at) || !runs[1].Started.Equal(want[1].at) {
		t.Fatalf("collect-us runs in the store = %+v", runs)
	}
}

func TestClosedDayRecordsClosed(t *testing.T) {
	st, _ := tempSQLite(t)
	start := utc("2026-09-23T12:00:00Z") // Wednesday, after its 20:30 KST run
	seedSuccess(t, st, "collect-krx", utc("2026-09-23T11:30:00Z"))
	h := newHarness(t, start)
	fired := make(chan firing, 8)
	s := h.scheduler(st, "a", []Job{{Spec: DefaultJobs()[0], Run: recorder(h.clock, fired)}})
	h.start(s)

	for _, c := range []struct {
		at     time.Time
		status string
	}{
		{utc("2026-09-24T11:30:00Z"), store.RunClosed}, // Chuseok eve
		{utc("2026-09-25T11:30:00Z"), store.RunClosed}, // Chuseok
		{utc("2026-09-28T11:30:00Z"), store.RunOK},     // Monday: open
	} {
		h.advanceTo(1, c.at)
		r := h.next(1)[0]
		if r.Status != c.status || !r.Started.Equal(c.at) {
			t.Fatalf("run at %s = %s started %s, want %s", c.at, r.Status, r.Started, c.status)
		}
		if c.status == store.RunClosed && r.Message != "XKRX closed on "+c.at.In(s.job("collect-krx").loc).Format(time.DateOnly) {
			t.Errorf("closed run message = %q", r.Message)
		}
	}
	select {
	case f := <-fired:
		if !f.at.Equal(utc("2026-09-28T11:30:00Z")) {
			t.Fatalf("runner called at %s, want only on 2026-09-28", f.at)
		}
	default:
		t.Fatal("runner not called on the open day")
	}
	if len(fired) != 0 {
		t.Fatalf("runner called on a closed day: %+v", <-fired)
	}
}

func TestCatchUpRunsOnceAfterDowntime(t *testing.T) {
	ctx := context.Background()
	st, _ := tempSQLite(t)
	// Last success Monday 2026-11-16 20:30 KST; the daemon was down until
	// Thursday noon KST, so Tuesday's and Wednesday's runs were missed.
	seedSuccess(t, st, "collect-krx", utc("2026-11-16T11:30:00Z"))
	start := utc("2026-11-19T03:00:00Z")
	h := newHarness(t, start)
	fired := make(chan firing, 8)
	jobs := []Job{{Spec: DefaultJobs()[0], Run: recorder(h.clock, fired)}}
	s := h.scheduler(st, "a", jobs)
	h.start(s)

	r := h.next(1)[0]
	if r.Status != store.RunOK || !r.Started.Equal(start) {
		t.Fatalf("catch-up run = %+v, want ok at start %s", r, start)
	}
	var slot time.Time
	err := st.DB().QueryRowContext(ctx, `SELECT slot FROM job_slots WHERE job = ?`, "collect-krx").Scan(&slot)
	if err != nil {
		t.Fatalf("catch-up slot claim: %v", err)
	}
	if want := utc("2026-11-18T11:30:00Z"); !slot.Equal(want) {
		t.Errorf("catch-up claimed slot %s, want the missed Wednesday run %s", slot, want)
	}

	// A restart right after finds the job caught up: no second catch-up.
	s.Stop()
	s2 := h.scheduler(st, "a", jobs)
	h.start(s2)
	h.advanceTo(1, utc("2026-11-19T11:30:00Z"))
	r = h.next(1)[0]
	if !r.Started.Equal(utc("2026-11-19T11:30:00Z")) {
		t.Fatalf("after restart: run started %s, want only the scheduled Thursday run", r.Started)
	}
	runs, err := st.Runs(ctx, "collect-krx", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 3 { // seed, catch-up, Thursday
		t.Fatalf("runs = %d, want 3: %+v", len(runs), runs)
	}
	if len(fired) != 2 {
		t.Fatalf("runner called %d times, want 2", len(fired))
	}
}

func TestCatchUpSkipsClosedSlots(t *testing.T) {
	st, _ := tempSQLite(t)
	// Last success Wednesday 2026-09-23; Thursday and Friday were Chuseok:
	// on Saturday nothing is owed.
	seedSuccess(t, st, "collect-krx", utc("2026-09-23T11:30:00Z"))
	h := newHarness(t, utc("2026-09-26T03:00:00Z"))
	fired := make(chan firing, 8)
	s := h.scheduler(st, "a", []Job{{Spec: DefaultJobs()[0], Run: recorder(h.clock, fired)}})
	h.start(s)
	h.advanceTo(1, utc("2026-09-28T11:30:00Z"))
	if r := h.next(1)[0]; !r.Started.Equal(utc("2026-09-28T11:30:00Z")) {
		t.Fatalf("first run started %s, want the scheduled Monday run (no catch-up)", r.Started)
	}
}

func TestPanickingJobIsRecordedFailedAndOthersRun(t *testing.T) {
	st, _ := tempSQLite(t)
	start := utc("2026-11-20T00:00:30Z")
	h := newHarness(t, start)
	hourly := func(name string, run Runner) Job {
		seedSuccess(t, st, name, start)
		return Job{Spec: JobSpec{Name: name, Cron: "0 0 * * * *", TZ: "UTC"}, Run: run}
	}
	s := h.scheduler(st, "a", []Job{
		hourly("boom", func(context.Context, JobSpec, *store.Run) error { panic("kaboom") }),
		hourly("steady", func(context.Context, JobSpec, *store.Run) error { return nil }),
	})
	h.start(s)
	for _, at := range []time.Time{utc("2026-11-20T01:00:00Z"), utc("2026-11-20T02:00:00Z")} {
		h.advanceTo(2, at)
		got := h.next(2)
		if got[0].Job != "boom" || got[0].Status != store.RunFailed || got[0].Message != "panic: kaboom" {
			t.Fatalf("panicking run at %s = %+v", at, got[0])
		}
		if got[1].Job != "steady" || got[1].Status != store.RunOK || !got[1].Started.Equal(at) {
			t.Fatalf("other run at %s = %+v", at, got[1])
		}
	}
	runs, err := st.Runs(context.Background(), "boom", 1)
	if err != nil {
		t.Fatal(err)
	}
	if runs[0].Status != store.RunFailed || runs[0].Message != "panic: kaboom" || runs[0].Finished.IsZero() {
		t.Fatalf("stored panicking run = %+v", runs[0])
	}
	if !s.Running() {
		t.Fatal("scheduler stopped after a panic")
	}
}

func TestTimeoutFailsTheRun(t *testing.T) {
	st, _ := tempSQLite(t)
	start := utc("2026-11-20T00:00:30Z")
	seedSuccess(t, st, "slow", start)
	h := newHarness(t, start)
	s := h.scheduler(st, "a", []Job{{
		Spec: JobSpec{Name: "slow", Cron: "0 0 * * * *", TZ: "UTC", Timeout: 50 * time.Millisecond},
		Run: func(ctx context.Context, _ JobSpec, _ *store.Run) error {
			<-ctx.Done()
			return fmt.Errorf("fetching: %w", ctx.Err())
		},
	}})
	h.start(s)
	h.advanceTo(1, utc("2026-11-20T01:00:00Z"))
	r := h.next(1)[0]
	if r.Status != store.RunFailed || r.Message != "fetching: context deadline exceeded" {
		t.Fatalf("timed-out run = %s %q, want failed with the deadline", r.Status, r.Message)
	}
}

func TestStopInterruptsRunningJobAfterTimeout(t *testing.T) {
	st, _ := tempSQLite(t)
	start := utc("2026-11-20T00:00:30Z")
	seedSuccess(t, st, "long", start)
	h := newHarness(t, start)
	started := make(chan struct{})
	s := h.scheduler(st, "a", []Job{{
		Spec: JobSpec{Name: "long", Cron: "0 0 * * * *", TZ: "UTC"},
		Run: func(ctx context.Context, _ JobSpec, run *store.Run) error {
			run.OK = 7 // the batch done before shutdown is kept
			close(started)
			<-ctx.Done()
			return ctx.Err()
		},
	}}, func(c *Config) { c.ShutdownTimeout = 100 * time.Millisecond })
	h.start(s)
	h.advanceTo(1, utc("2026-11-20T01:00:00Z"))
	<-started
	if err := s.Stop(); err != nil {
		t.Fatalf("Stop = %v", err)
	}
	if s.Running() {
		t.Fatal("Running after Stop")
	}
	r := h.next(1)[0]
	if r.Status != store.RunInterrupted || r.OK != 7 {
		t.Fatalf("run cut by shutdown = %s ok=%d, want interrupted ok=7", r.Status, r.OK)
	}
	runs, err := st.Runs(context.Background(), "long", 1)
	if err != nil {
		t.Fatal(err)
	}
	if runs[0].Status != store.RunInterrupted {
		t.Fatalf("stored status = %s, want interrupted", runs[0].Status)
	}
}

func TestReload(t *testing.T) {
	st, _ := tempSQLite(t)
	start := utc("2026-11-20T00:00:30Z")
	seedSuccess(t, st, "tick", start)
	seedSuccess(t, st, "tock", start)
	h := newHarness(t, start)
	fired := make(chan firing, 8)
	run := recorder(h.clock, fired)
	s := h.scheduler(st, "a", []Job{{Spec: JobSpec{Name: "tick", Cron: "0 0 * * * *", TZ: "UTC"}, Run: run}})
	h.start(s)

	// A bad configuration is refused and the running one stays.
	bad := []Job{{Spec: JobSpec{Name: "tick", Cron: "0 0 25 * * *", TZ: "Mars/Olympus"}, Run: run}}
	err := s.Reload(bad)
	if !errors.Is(err, ErrInvalidJob) || !strings.Contains(err.Error(), `schedule.jobs[0] ("tick") tz: unknown time zone Mars/Olympus`) || !strings.Contains(err.Error(), `schedule.jobs[0] ("tick") cron: "0 0 25 * * *"`) {
		t.Fatalf("Reload(bad) = %v, want ErrInvalidJob naming tz and cron", err)
	}
	h.advanceTo(1, utc("2026-11-20T01:00:00Z"))
	if f := <-fired; f.job != "tick" || !f.at.Equal(utc("2026-11-20T01:00:00Z")) {
		t.Fatalf("after bad reload fired %+v, want tick at 01:00", f)
	}
	h.next(1)

	// A good one replaces the job set: tock at half past, no more tick.
	good := []Job{{Spec: JobSpec{Name: "tock", Cron: "0 30 * * * *", TZ: "UTC"}, Run: run}}
	if err := s.Reload(good); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	for len(s.gs.Jobs()) != 1 { // the old generation's removal is asynchronous
		if ctx.Err() != nil {
			t.Fatalf("gocron jobs after reload: %d, want 1", len(s.gs.Jobs()))
		}
		time.Sleep(time.Millisecond)
	}
	for _, at := range []string{"2026-11-20T01:30:00Z", "2026-11-20T02:00:00Z", "2026-11-20T02:30:00Z"} {
		h.advanceTo(1, utc(at))
		if strings.HasSuffix(at, ":00:00Z") {
			continue // tick's old time: nothing may fire
		}
		if f := <-fired; f.job != "tock" || !f.at.Equal(utc(at)) {
			t.Fatalf("after reload fired %s at %s, want tock at %s", f.job, f.at.UTC(), at)
		}
		h.next(1)
	}
	if len(fired) != 0 {
		t.Fatalf("extra run after reload: %+v", <-fired)
	}
}

// A daemon restarted during the KRX session resumes live polling at once:
// the morning's slot is held by the run the stop interrupted, and the
// catch-up claims the latest quarter-hour slot instead.
func TestLiveJobResumesMidSession(t *testing.T) {
	ctx := context.Background()
	st, _ := tempSQLite(t)
	live := DefaultJobs()[3]
	if live.Name != JobLiveNaver {
		t.Fatalf("default job 3 is %q", live.Name)
	}
	morning := utc("2026-10-06T00:00:00Z") // Tuesday 09:00 KST
	if won, err := st.ClaimSlot(ctx, live.Name, morning, "old-process"); err != nil || !won {
		t.Fatalf("claim: %v, %v", won, err)
	}
	r := &store.Run{Job: live.Name, Host: "a", Started: morning, Status: store.RunRunning}
	if err := st.StartRun(ctx, r); err != nil {
		t.Fatal(err)
	}
	r.Status, r.Finished = store.RunInterrupted, utc("2026-10-06T02:10:00Z")
	if err := st.FinishRun(ctx, r); err != nil {
		t.Fatal(err)
	}

	start := utc("2026-10-06T02:20:05Z") // 11:20:05 KST
	h := newHarness(t, start)
	fired := make(chan firing, 8)
	h.start(h.scheduler(st, "a", []Job{{Spec: live, Run: recorder(h.clock, fired)}}))
	if got := h.next(1)[0]; got.Status != store.RunOK || !got.Started.Equal(start) {
		t.Fatalf("catch-up run = %+v, want ok at start %s", got, start)
	}
	var slots []time.Time
	rows, err := st.DB().QueryContext(ctx, `SELECT slot FROM job_slots WHERE job = ? ORDER BY slot`, live.Name)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var s time.Time
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		slots = append(slots, s)
	}
	if want := []time.Time{morning, utc("2026-10-06T02:15:00Z")}; len(slots) != 2 || !slots[0].Equal(want[0]) || !slots[1].Equal(want[1]) {
		t.Errorf("claimed slots %v, want %v (the catch-up took 11:15 KST)", slots, want)
	}
}
