package cli

import "errors"

// Exit codes.
const (
	ExitOK      = 0
	ExitRuntime = 1 // the database or a site failed
	ExitUsage   = 2 // the command line or the configuration is wrong
	// ExitProblems: marketd validate found problems in the stored data.
	ExitProblems = 3
	// ExitInterrupted: SIGINT/SIGTERM stopped the run; its work so far is kept.
	ExitInterrupted = 130
)

// ErrProblems makes a command exit ExitProblems after printing a report
// with problems in it.
var ErrProblems = errors.New("problems found")

// ExitCode is the exit code of a command's err; interrupted is what a
// stopped run's error wraps (collector.ErrInterrupted).
func ExitCode(err, interrupted error) int {
	var ue UsageError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &ue):
		return ExitUsage
	case errors.Is(err, ErrProblems):
		return ExitProblems
	case errors.Is(err, interrupted):
		return ExitInterrupted
	}
	return ExitRuntime
}
