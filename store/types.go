package store

import (
	"time"

	"github.com/marketd/marketd/sources/market"
)

// Write is one instrument's share of a Store.Write call.
type Write struct {
	Key     market.Key
	Bars    []market.Bar
	Actions []market.Action
	// Watermark, when not zero, is stored as the instrument's watermark in
	// the same transaction as the bars. It is set, not maximised: the
	// collector decides where it belongs.
	Watermark market.Date
	// FinalBefore, when not zero, marks the instrument's stored bars dated
	// before it final (no longer open to restatement).
	FinalBefore market.Date
}

// WriteResult counts the bars of a Write call by what happened to them.
// A bar whose stored values already equal the written ones is Unchanged;
// a restated value (open, high, low, close, adjusted close, volume, halt)
// makes it Changed. The final flag alone does not count as a change.
type WriteResult struct {
	Inserted, Changed, Unchanged int
}

// Add sums two results.
func (r WriteResult) Add(o WriteResult) WriteResult {
	return WriteResult{r.Inserted + o.Inserted, r.Changed + o.Changed, r.Unchanged + o.Unchanged}
}

// AddResult counts the instruments of an AddInstruments call.
type AddResult struct {
	Added       int // new instruments
	Reactivated int // inactive instruments made active again
	Unchanged   int // already present and active
}

// InstrumentFilter selects instruments; zero fields select everything.
type InstrumentFilter struct {
	Source string
	Market string
	// Board narrows a market to one of its boards (KOSPI, KOSDAQ); an
	// instrument stored without a board is on none of them.
	Board      string
	Symbols    []string
	ActiveOnly bool
}

// Run statuses.
const (
	RunRunning     = "running"
	RunOK          = "ok"
	RunFailed      = "failed"
	RunPartial     = "partial"
	RunInterrupted = "interrupted"
	RunClosed      = "closed"
	// RunProblems is a validation that ran to the end and found problems:
	// the job worked, the data did not. Its results list them (status
	// --run ID).
	RunProblems = "problems"
	// RunAbandoned is a run whose process died before recording its end
	// (AbandonGone).
	RunAbandoned = "abandoned"
)

// Run is one execution of a job, kept for status and catch-up.
type Run struct {
	ID                           int64
	Job, Host                    string
	PID                          int       // the process running it, on Host
	Heartbeat                    time.Time // its last sign of life while running
	Started, Finished            time.Time
	Status                       string
	OK, Failed, Skipped          int
	Requests, Throttled, Retries int
	Inserted, Changed, Unchanged int
	Message                      string
	Results                      []RunResult
}

// RunResult is one instrument's outcome within a run.
type RunResult struct {
	Key      market.Key
	Status   string // ok failed nodata skipped
	From, To market.Date
	Rows     int
	Error    string
}
