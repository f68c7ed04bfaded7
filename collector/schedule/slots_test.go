package schedule

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestPrev(t *testing.T) {
	seoul, _ := time.LoadLocation("Asia/Seoul")
	ny, _ := time.LoadLocation("America/New_York")
	for _, c := range []struct {
		cron string
		loc  *time.Location
		at   string
		want string
	}{
		{"0 30 20 * * MON-FRI", seoul, "2026-11-23T11:30:00Z", "2026-11-23T11:30:00Z"}, // exactly on a slot
		{"0 30 20 * * MON-FRI", seoul, "2026-11-23T11:29:59Z", "2026-11-20T11:30:00Z"}, // Monday before: Friday
		{"0 30 20 * * MON-FRI", seoul, "2026-11-22T00:00:00Z", "2026-11-20T11:30:00Z"}, // weekend
		{"0 30 17 * * MON-FRI", ny, "2026-11-02T23:00:00Z", "2026-11-02T22:30:00Z"},    // EST
		{"0 30 17 * * MON-FRI", ny, "2026-11-02T12:00:00Z", "2026-10-30T21:30:00Z"},    // back across the DST change: EDT
		{"0 0 7 * * *", seoul, "2026-11-23T00:00:00Z", "2026-11-22T22:00:00Z"},
		{"0 0 0 29 2 *", time.UTC, "2026-11-23T00:00:00Z", "2024-02-29T00:00:00Z"}, // rare: years back
		{"*/10 * * * * *", time.UTC, "2026-11-23T00:00:05Z", "2026-11-23T00:00:00Z"},
	} {
		c0 := &compiled{loc: c.loc}
		c0.Spec.Cron = c.cron
		s, err := parser.Parse(c0.crontab())
		if err != nil {
			t.Fatal(err)
		}
		got, ok := prev(s, utc(c.at), c.loc)
		if !ok || !got.Equal(utc(c.want)) {
			t.Errorf("prev(%q in %s, %s) = %s %v, want %s", c.cron, c.loc, c.at, got.UTC(), ok, c.want)
		}
	}
}

func TestValidateRejects(t *testing.T) {
	noop := DefaultJobs()
	var good []Job
	for _, s := range noop {
		good = append(good, Job{Spec: s, Run: recorder(nil, nil)})
	}
	if err := Validate(good); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	for _, c := range []struct {
		name string
		edit func([]Job) []Job
		want string
	}{
		{"duplicate name", func(j []Job) []Job { return append(j, j[0]) }, fmt.Sprintf(`schedule.jobs[%d] ("collect-krx") name: duplicate`, len(noop))},
		{"empty name", func(j []Job) []Job { j[1].Spec.Name = ""; return j }, `schedule.jobs[1] ("") name: empty`},
		{"no runner", func(j []Job) []Job { j[2].Run = nil; return j }, `schedule.jobs[2] ("validate") runner: no runner for this job`},
		{"five fields", func(j []Job) []Job { j[0].Spec.Cron = "30 20 * * MON-FRI"; return j }, `schedule.jobs[0] ("collect-krx") cron: "30 20 * * MON-FRI"`},
		{"zone in expression", func(j []Job) []Job { j[0].Spec.Cron = "CRON_TZ=UTC 0 0 * * * *"; return j }, `give the zone in tz`},
		{"no zone", func(j []Job) []Job { j[1].Spec.TZ = ""; return j }, `schedule.jobs[1] ("collect-yahoo") tz: empty`},
		{"negative timeout", func(j []Job) []Job { j[1].Spec.Timeout = -time.Second; return j }, `timeout: negative (-1s)`},
	} {
		t.Run(c.name, func(t *testing.T) {
			jobs := c.edit(append([]Job(nil), good...))
			err := Validate(jobs)
			if !errors.Is(err, ErrInvalidJob) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Validate = %v, want ErrInvalidJob containing %q", err, c.want)
			}
		})
	}
}

func TestSlotAt(t *testing.T) {
	jobs, err := compile([]Job{
		{Spec: DefaultJobs()[0], Run: recorder(nil, nil)},
		{Spec: JobSpec{Name: "fast", Cron: "*/10 * * * * *", TZ: "UTC"}, Run: recorder(nil, nil)},
	})
	if err != nil {
		t.Fatal(err)
	}
	s := &Scheduler{cfg: Config{Skew: 30 * time.Second}}
	for _, c := range []struct {
		job  int
		now  string
		want string
	}{
		{0, "2026-11-23T11:30:00Z", "2026-11-23T11:30:00Z"}, // on time
		{0, "2026-11-23T11:30:04Z", "2026-11-23T11:30:00Z"}, // a little late
		{0, "2026-11-23T11:29:58Z", "2026-11-23T11:30:00Z"}, // early: the clock stepped back
		{0, "2026-11-23T11:29:00Z", "2026-11-20T11:30:00Z"}, // beyond Skew: the previous slot (a catch-up would claim it)
		{1, "2026-11-23T00:00:10Z", "2026-11-23T00:00:10Z"}, // a short period caps the tolerance
		{1, "2026-11-23T00:00:14Z", "2026-11-23T00:00:10Z"},
		{1, "2026-11-23T00:00:19Z", "2026-11-23T00:00:20Z"},
	} {
		if got := s.slotAt(jobs[c.job], utc(c.now)); !got.Equal(utc(c.want)) {
			t.Errorf("slotAt(%s, %s) = %s, want %s", jobs[c.job].Spec.Name, c.now, got.UTC(), c.want)
		}
	}
}

func TestNewChecksMarkets(t *testing.T) {
	st, _ := tempSQLite(t)
	jobs := []Job{{Spec: DefaultJobs()[0], Run: recorder(nil, nil)}}
	if _, err := New(Config{Store: st, Host: "a", Logger: quietLog()}, jobs); !errors.Is(err, ErrInvalidJob) ||
		!strings.Contains(err.Error(), `job "collect-krx": market XKRX but no calendars configured`) {
		t.Errorf("New without calendars = %v", err)
	}
	jobs[0].Spec.Market = "XWAR"
	if _, err := New(Config{Store: st, Host: "a", Logger: quietLog(), Calendars: calendars}, jobs); !errors.Is(err, ErrInvalidJob) ||
		!strings.Contains(err.Error(), `job "collect-krx": market "XWAR"`) {
		t.Errorf("New with an unknown market = %v", err)
	}
}

func TestPeriod(t *testing.T) {
	from := utc("2026-11-23T00:00:00Z")
	for _, c := range []struct {
		spec JobSpec
		want time.Duration
	}{
		{DefaultJobs()[0], 72 * time.Hour}, // Friday to Monday
		{DefaultJobs()[1], time.Hour},      // hourly, every day: the dead-man check waits two hours
		{DefaultJobs()[2], 24 * time.Hour},
		{DefaultJobs()[3], 65*time.Hour + 15*time.Minute}, // live-naver: Friday 15:45 to Monday 09:00
		{DefaultJobs()[4], 72 * time.Hour},
		{DefaultJobs()[5], time.Hour},
		{DefaultJobs()[6], 24 * time.Hour},
		{JobSpec{Name: "q", Cron: "0 */15 * * * *", TZ: "UTC"}, 15 * time.Minute},
	} {
		got, err := Period(c.spec, from)
		if err != nil || got != c.want {
			t.Errorf("Period(%s) = %s, %v; want %s", c.spec.Name, got, err, c.want)
		}
	}
	if _, err := Period(JobSpec{Name: "yearly", Cron: "0 0 0 1 1 *", TZ: "UTC"}, from); !errors.Is(err, ErrInvalidJob) {
		t.Errorf("Period(yearly) = %v, want ErrInvalidJob", err)
	}
}

func TestValidateSpecs(t *testing.T) {
	if err := ValidateSpecs(DefaultSettings().Jobs); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	bad := append(DefaultJobs(), JobSpec{Name: "x", Cron: "0 0 7 * *", TZ: "Asia/Seoul"})
	err := ValidateSpecs(bad)
	if !errors.Is(err, ErrInvalidJob) || !strings.Contains(err.Error(), fmt.Sprintf(`schedule.jobs[%d] ("x") cron: "0 0 7 * *"`, len(bad)-1)) {
		t.Fatalf("ValidateSpecs = %v", err)
	}
}

func TestKindOf(t *testing.T) {
	want := map[string]Kind{
		"collect-krx": KindCollect, "collect-yahoo": KindCollect, "validate": KindValidate,
		"live-naver": KindLive, "intraday-naver": KindIntraday, "intraday-yahoo": KindIntraday,
		"intraday-retention": KindRetention, "my-live-job": KindCollect, "validate-us": KindCollect,
	}
	for name, k := range want {
		if got := KindOf(name); got != k {
			t.Errorf("KindOf(%q) = %d, want %d", name, got, k)
		}
	}
	for _, spec := range DefaultJobs() {
		if _, ok := want[spec.Name]; !ok {
			t.Errorf("default job %q: no kind checked", spec.Name)
		}
	}
}
