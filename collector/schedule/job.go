package schedule

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/marketd/marketd/store"
)

// JobSpec is one scheduled job as configured.
type JobSpec struct {
	// Name identifies the job in the run log and in slot claims
	// ("collect-krx"). Unique within a scheduler.
	Name string `yaml:"name"`
	// Cron is a 6-field cron expression, seconds first ("0 30 20 * * MON-FRI"),
	// read in TZ.
	Cron string `yaml:"cron"`
	// TZ is the IANA zone the expression is read in ("Asia/Seoul").
	TZ string `yaml:"tz"`
	// Source is the data source the job collects from, for the runner ("naver").
	Source string `yaml:"source,omitempty"`
	// Market, when set, is the MIC whose calendar decides whether the job
	// runs on a given day ("XKRX"). Empty: the job runs every scheduled day.
	Market string `yaml:"market,omitempty"`
	// Timeout bounds one run; zero means no bound other than shutdown.
	Timeout time.Duration `yaml:"timeout,omitempty"`
	// PingURL is the job's heartbeat check, for the daemon to ping around
	// its runs; the scheduler does not read it.
	PingURL string `yaml:"ping_url,omitempty"`
}

// JobValidate is the job that validates the store instead of collecting:
// a job of this name runs the validation, every other job collects its
// source and market.
const JobValidate = "validate"

// The intraday jobs of DefaultJobs.
const (
	JobLiveNaver         = "live-naver"
	JobIntradayNaver     = "intraday-naver"
	JobIntradayYahoo     = "intraday-yahoo"
	JobIntradayRetention = "intraday-retention"
)

// Kind is what a job does, told by its name (KindOf).
type Kind uint8

// The kinds of jobs.
const (
	KindCollect   Kind = iota // collects its source's daily bars on its market
	KindValidate              // validates the store: the job named "validate"
	KindLive                  // polls live quotes through its market's session: "live-…"
	KindIntraday              // archives minute bars after the close: "intraday-…"
	KindRetention             // drops minute bars past intraday.retention: "intraday-retention"
)

// KindOf returns what the job named name does: "validate" validates,
// "intraday-retention" enforces intraday.retention, a name starting
// "live-" polls live quotes and one starting "intraday-" archives minute
// bars; any other job collects daily bars. Names, not a field, so that a
// configuration written before these kinds keeps its meaning.
func KindOf(name string) Kind {
	switch {
	case name == JobValidate:
		return KindValidate
	case name == JobIntradayRetention:
		return KindRetention
	case strings.HasPrefix(name, "live-"):
		return KindLive
	case strings.HasPrefix(name, "intraday-"):
		return KindIntraday
	}
	return KindCollect
}

// AfterAbandon words what becomes of the work of an abandoned run of job,
// for its message in the run log: a collecting job's next run resumes from
// the watermarks its runs committed; a validation keeps no progress and is
// simply run again.
func AfterAbandon(job string) string {
	if job == JobValidate {
		return "the validation runs again at its next slot"
	}
	return "the next run resumes from the watermarks"
}

// DefaultJobs returns the job set marketd runs when the configuration names
// none: collect KRX from Naver after its after-hours session; collect every
// Yahoo instrument of every market hourly, which fetches only the
// instruments whose market closed a session since their watermark (most
// runs send no request), so each market is collected within the hour after
// its own close without a job per exchange; validate early in the Seoul
// morning; and the intraday jobs, which do nothing until some instrument
// has an intraday interval: poll KRX live through its session, archive
// minute bars after the closes, and drop those past intraday.retention.
func DefaultJobs() []JobSpec {
	return []JobSpec{
		{Name: "collect-krx", Cron: "0 30 20 * * MON-FRI", TZ: "Asia/Seoul", Source: "naver", Market: "XKRX", Timeout: 2 * time.Hour},
		// Minute 15: after the markets closing on the hour or half hour.
		// The timeout stays under the period, so that a long first run
		// hands over to the next slot, which resumes from the watermarks.
		{Name: "collect-yahoo", Cron: "0 15 * * * *", TZ: "UTC", Source: "yahoo", Timeout: 55 * time.Minute},
		{Name: JobValidate, Cron: "0 0 7 * * *", TZ: "Asia/Seoul", Timeout: time.Hour},
		// Live polling runs from the open to the close. Its slots every
		// quarter of an hour of the session let a daemon restarted
		// mid-session (whose earlier slot is taken) resume within one;
		// while a run polls, the daemon skips the slots that follow, and
		// another host's run finds it polling and ends at once.
		{Name: JobLiveNaver, Cron: "0 */15 9-15 * * MON-FRI", TZ: "Asia/Seoul", Source: "naver", Market: "XKRX", Timeout: 8 * time.Hour},
		// After the latest close of the year (16:30 on the day of the
		// college entrance exam): the session's minutes with their open,
		// high and low, and any the live poll missed.
		{Name: JobIntradayNaver, Cron: "0 0 17 * * MON-FRI", TZ: "Asia/Seoul", Source: "naver", Market: "XKRX", Timeout: 2 * time.Hour},
		// Hourly, as collect-yahoo: each market within the hour after its
		// close; a run with no session newly closed sends no request.
		{Name: JobIntradayYahoo, Cron: "0 45 * * * *", TZ: "UTC", Source: "yahoo", Timeout: 55 * time.Minute},
		{Name: JobIntradayRetention, Cron: "0 30 3 * * *", TZ: "UTC", Timeout: 30 * time.Minute},
	}
}

// Runner executes one run of a job. run is the record being kept in the run
// log: the runner may fill its counts, Results and Message, and may set its
// Status to store.RunPartial; the scheduler sets ok, failed or interrupted
// from the returned error when the runner leaves Status alone. ctx is
// cancelled at the job's timeout and when a shutdown's grace period ends.
type Runner func(ctx context.Context, spec JobSpec, run *store.Run) error

// Job is a JobSpec with the Runner that executes it.
type Job struct {
	Spec JobSpec
	Run  Runner
}

// ErrInvalidJob marks a job set rejected by Validate (and so by New and Reload).
var ErrInvalidJob = errors.New("schedule: invalid job")

// parser reads 6-field expressions (seconds first) and descriptors
// (@daily), the same dialect gocron's CronJob(…, true) accepts.
var parser = cron.NewParser(cron.Second | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// compiled is a validated job ready to schedule.
type compiled struct {
	Job
	loc   *time.Location
	sched cron.Schedule
}

// crontab is the expression as gocron reads it: the zone carried in the
// expression itself, so each job keeps its own zone whatever the
// scheduler's location.
func (c *compiled) crontab() string { return "CRON_TZ=" + c.loc.String() + " " + c.Spec.Cron }

// Validate checks a job set and returns an error naming every bad job and
// field; nil means New or Reload will accept it.
func Validate(jobs []Job) error {
	_, err := compile(jobs)
	return err
}

func compile(jobs []Job) ([]*compiled, error) {
	var errs []error
	seen := make(map[string]bool, len(jobs))
	out := make([]*compiled, 0, len(jobs))
	for i, j := range jobs {
		name := j.Spec.Name
		bad := func(field, format string, a ...any) {
			errs = append(errs, fmt.Errorf("%w: schedule.jobs[%d] (%q) %s: %s", ErrInvalidJob, i, name, field, fmt.Sprintf(format, a...)))
		}
		if name == "" {
			bad("name", "empty")
		} else if seen[name] {
			bad("name", "duplicate")
		}
		seen[name] = true
		if j.Run == nil {
			bad("runner", "no runner for this job")
		}
		if j.Spec.Timeout < 0 {
			bad("timeout", "negative (%s)", j.Spec.Timeout)
		}
		loc, err := time.LoadLocation(j.Spec.TZ)
		if j.Spec.TZ == "" {
			bad("tz", "empty (an IANA zone such as Asia/Seoul)")
		} else if err != nil {
			bad("tz", "%v", err)
		}
		if strings.HasPrefix(j.Spec.Cron, "TZ=") || strings.HasPrefix(j.Spec.Cron, "CRON_TZ=") {
			bad("cron", "%q: give the zone in tz, not in the expression", j.Spec.Cron)
			continue
		}
		c := &compiled{Job: j, loc: loc}
		if loc == nil || j.Spec.TZ == "" {
			c.loc = time.UTC // still check the expression
		}
		s, err := parser.Parse(c.crontab())
		if err != nil {
			bad("cron", "%q: %v", j.Spec.Cron, err)
			continue
		}
		c.sched = s
		out = append(out, c)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

// Period returns the longest gap between consecutive scheduled times of
// spec over the four weeks after from: a MON-FRI job's period is its
// weekend gap. Dead-man checks ("not succeeded within two periods") use it.
func Period(spec JobSpec, from time.Time) (time.Duration, error) {
	cs, err := compile([]Job{{Spec: spec, Run: noRun}})
	if err != nil {
		return 0, err
	}
	c := cs[0]
	var longest time.Duration
	t := c.sched.Next(from)
	for end := from.Add(28 * 24 * time.Hour); !t.IsZero() && t.Before(end); {
		n := c.sched.Next(t)
		if n.IsZero() {
			break
		}
		longest = max(longest, n.Sub(t))
		t = n
	}
	if longest == 0 {
		return 0, fmt.Errorf("%w: job %q: cron %q fires less than twice in four weeks", ErrInvalidJob, spec.Name, spec.Cron)
	}
	return longest, nil
}
