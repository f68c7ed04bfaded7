package collector

import (
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
)

// Status is a run's progress so far.
type Status struct {
	Done, Total int // instruments
	Failed      int
	Rows        int   // bars inserted or changed
	Requests    int64 // sent, retries included
	Throttled   int64 // 429 answers
	// Waited is the wall-clock time the run's requests waited for a rate
	// limit or a 429 pause, on the host that kept them waiting longest.
	Waited time.Duration
	// Paused is the 429 pause in force now, on the most paused host.
	Paused time.Duration
	// ETA is the remaining planned requests over the configured rate of
	// the slowest source; 0 when the rate is unknown or unlimited.
	ETA time.Duration
}

// Progress reports a run's progress. Calls come from several workers;
// implementations serialise them.
type Progress interface {
	Start(Status)
	Update(Status)
	Finish(Status)
}

// Bar draws a progress bar.
type Bar struct {
	w     io.Writer
	mu    sync.Mutex
	bar   *progressbar.ProgressBar
	drawn time.Time // the last update drawn
}

// barEvery is the shortest time between two updates drawn: workers
// finish instruments faster than a terminal is worth redrawing.
const barEvery = 200 * time.Millisecond

// NewBar returns a Bar drawing on w.
func NewBar(w io.Writer) *Bar { return &Bar{w: w} }

// Start draws an empty bar for st.Total instruments.
func (b *Bar) Start(st Status) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.bar = progressbar.NewOptions(st.Total,
		progressbar.OptionSetWriter(b.w),
		progressbar.OptionSetDescription("instruments"),
		progressbar.OptionShowCount(),
		progressbar.OptionSetWidth(30),
		// The description carries the ETA from the rate limit: the
		// bar's own guess from past pace would be a second, different one.
		progressbar.OptionSetPredictTime(false),
		progressbar.OptionSetElapsedTime(true),
	)
	b.describe(st)
}

// Update moves the bar and its counters.
func (b *Bar) Update(st Status) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.bar == nil || (time.Since(b.drawn) < barEvery && st.Done < st.Total) {
		return
	}
	b.drawn = time.Now()
	b.describe(st)
	_ = b.bar.Set(st.Done) // a write error on the terminal is not worth failing a run
}

// Finish draws the final counts and leaves the bar on screen, where the
// run left it: an interrupted run's bar stays short of the end.
func (b *Bar) Finish(st Status) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.bar == nil {
		return
	}
	b.describe(st)
	if st.Done < st.Total {
		_ = b.bar.Set(st.Done)
		_ = b.bar.Exit()
	} else {
		_ = b.bar.Finish()
	}
	fmt.Fprintln(b.w)
}

func (b *Bar) describe(st Status) {
	pause := ""
	if st.Paused > 0 {
		pause = fmt.Sprintf(", paused %s by a 429", st.Paused.Round(time.Second))
	}
	b.bar.Describe(fmt.Sprintf("%d failed, %d rows, %d requests, %d×429 (waited %s%s), ETA %s",
		st.Failed, st.Rows, st.Requests, st.Throttled, st.Waited.Round(time.Second), pause, eta(st.ETA)))
}

func eta(d time.Duration) string {
	if d <= 0 {
		return "?"
	}
	return d.Round(time.Second).String()
}

// LogProgress logs a line at most every interval, and at start and end.
type LogProgress struct {
	log   *slog.Logger
	every time.Duration
	mu    sync.Mutex
	last  time.Time
}

// NewLogProgress returns a LogProgress (every defaults to 30s).
func NewLogProgress(log *slog.Logger, every time.Duration) *LogProgress {
	if log == nil {
		log = slog.Default()
	}
	if every <= 0 {
		every = 30 * time.Second
	}
	return &LogProgress{log: log, every: every}
}

// Start logs the plan's size.
func (p *LogProgress) Start(st Status) {
	p.mu.Lock()
	p.last = time.Now()
	p.mu.Unlock()
	p.line("run started", st)
}

// Update logs when the interval has passed.
func (p *LogProgress) Update(st Status) {
	p.mu.Lock()
	due := time.Since(p.last) >= p.every
	if due {
		p.last = time.Now()
	}
	p.mu.Unlock()
	if due {
		p.line("progress", st)
	}
}

// Finish logs the final counts.
func (p *LogProgress) Finish(st Status) { p.line("run finished", st) }

func (p *LogProgress) line(msg string, st Status) {
	p.log.Info(msg, "done", st.Done, "total", st.Total, "failed", st.Failed, "rows", st.Rows,
		"requests", st.Requests, "throttled", st.Throttled, "waited", st.Waited.Round(time.Second).String(), "paused", st.Paused.Round(time.Second).String(), "eta", eta(st.ETA))
}

// ProgressTo shows progress on w: a bar when w is a terminal, else a log
// line a minute.
func ProgressTo(w io.Writer, terminal bool, log *slog.Logger) Progress {
	if terminal {
		return NewBar(w)
	}
	return NewLogProgress(log, time.Minute)
}
