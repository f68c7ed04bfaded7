package schedule

import (
	"context"
	"time"

	"github.com/marketd/marketd/store"
)

// Settings is the schedule section of marketd's configuration, for the
// config package to hold as a field tagged yaml:"schedule" and to check
// with ValidateSpecs at load time, so that a bad SIGHUP reload is refused
// before anything is swapped.
type Settings struct {
	Jobs []JobSpec `yaml:"jobs"`
	// LeaderElection makes only the holder of a database leader lock run
	// jobs (MySQL only; slot claims already make each slot run once).
	LeaderElection bool `yaml:"leader_election"`
	// LeaderCheck is how often the leader lock is checked and pinged; a
	// dead leader is replaced within about three of these.
	LeaderCheck time.Duration `yaml:"leader_check"`
	// ShutdownTimeout bounds how long a running job may finish on stop.
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
}

// JobNames names the jobs, in their order.
func (s Settings) JobNames() []string {
	names := make([]string, len(s.Jobs))
	for i, j := range s.Jobs {
		names[i] = j.Name
	}
	return names
}

// DefaultSettings returns the defaults: DefaultJobs, no leader election.
func DefaultSettings() Settings {
	return Settings{Jobs: DefaultJobs(), LeaderCheck: 5 * time.Second, ShutdownTimeout: 30 * time.Second}
}

// ValidateSpecs checks job specs before runners exist (configuration
// loading); its errors name the key (schedule.jobs[i]) and the field.
func ValidateSpecs(specs []JobSpec) error {
	jobs := make([]Job, len(specs))
	for i, s := range specs {
		jobs[i] = Job{Spec: s, Run: noRun}
	}
	return Validate(jobs)
}

func noRun(context.Context, JobSpec, *store.Run) error { return nil }
