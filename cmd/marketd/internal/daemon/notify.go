package daemon

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/marketd/marketd/collector/schedule"
	"github.com/marketd/marketd/store"
)

// Heartbeat pings follow healthchecks.io's convention: URL/start when a
// run starts, URL when it succeeds, URL/fail when it fails, a one-line
// summary in the body. The outside service alerts when they stop, which is
// the one alarm that still rings when the host itself is gone.

// DefaultPingTimeout bounds one heartbeat request.
const DefaultPingTimeout = 10 * time.Second

const (
	// pingQueue is how many pings may wait behind a slow endpoint; beyond
	// it pings are dropped (and logged), never waited for.
	pingQueue = 64
	// pingBodyMax bounds the summary sent with a ping, in bytes.
	pingBodyMax = 1000
	// pingReplyMax bounds what is read of the endpoint's answer.
	pingReplyMax = 4 << 10
)

// ping is one heartbeat request.
type ping struct {
	job    string
	kind   string // start, success, fail: for the log
	url    string
	body   string
	redact func(string) string // masks the URL's token in a logged error
}

// pinger sends heartbeat pings in the background, one at a time in the
// order they were queued, so a run's start always precedes its outcome
// and no job ever waits on the endpoint.
type pinger struct {
	client  *http.Client
	timeout time.Duration
	log     *slog.Logger
	queue   chan ping
	done    chan struct{}

	mu     sync.Mutex
	closed bool
}

func newPinger(client *http.Client, timeout time.Duration, log *slog.Logger) *pinger {
	if client == nil {
		client = &http.Client{}
	}
	if timeout <= 0 {
		timeout = DefaultPingTimeout
	}
	return &pinger{client: client, timeout: timeout, log: log, queue: make(chan ping, pingQueue), done: make(chan struct{})}
}

// run sends the queued pings until close.
func (p *pinger) run() {
	defer close(p.done)
	for pg := range p.queue {
		p.send(pg)
	}
}

// enqueue queues pg without ever blocking.
func (p *pinger) enqueue(pg ping) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	select {
	case p.queue <- pg:
	default:
		p.log.Warn("heartbeat ping dropped: the endpoint is too slow", "job", pg.job, "ping", pg.kind, "queued", pingQueue)
	}
}

// close stops taking pings and lets the queued ones go out for up to one
// ping timeout: the outcome of a run that ended during shutdown is worth
// sending, a hung endpoint is not worth waiting for.
func (p *pinger) close() {
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		close(p.queue)
	}
	p.mu.Unlock()
	t := time.NewTimer(p.timeout)
	defer t.Stop()
	select {
	case <-p.done:
	case <-t.C:
		p.log.Warn("heartbeat pings left unsent at stop", "left", len(p.queue))
	}
}

func (p *pinger) send(pg ping) {
	ctx, cancel := context.WithTimeout(context.Background(), p.timeout)
	defer cancel()
	err := p.post(ctx, pg)
	if err != nil {
		p.log.Warn("heartbeat ping failed", "job", pg.job, "ping", pg.kind, "err", pg.redact(err.Error()))
		return
	}
	p.log.Debug("heartbeat ping sent", "job", pg.job, "ping", pg.kind)
}

func (p *pinger) post(ctx context.Context, pg ping) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, pg.url, strings.NewReader(pg.body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "text/plain; charset=utf-8")
	resp, err := p.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, pingReplyMax))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("HTTP %s", resp.Status)
	}
	return nil
}

// pingURL returns base with /suffix added to its path ("" for the base
// itself), its query kept.
func pingURL(base, suffix string) string {
	if suffix == "" {
		return base
	}
	path, query, hasQuery := strings.Cut(base, "?")
	u := strings.TrimSuffix(path, "/") + "/" + suffix
	if hasQuery {
		u += "?" + query
	}
	return u
}

// outcomePing returns the ping that reports a recorded run, ok false when
// it pings nothing. A partial run ran (its failed items are in the
// validator's mail) and a closed day is the schedule working: both are
// success for the heartbeat. An interrupted run pings nothing: the daemon
// is stopping, and its catch-up at the next start pings again; if it never
// comes back, the check's grace time after /start raises the alarm.
func outcomePing(r store.Run) (suffix, body string, ok bool) {
	switch r.Status {
	case store.RunOK, store.RunPartial, store.RunClosed, store.RunProblems:
		// A validation that found problems did its job: the mail says
		// what; the heartbeat says the daemon is alive.
		return "", summary(r), true
	case store.RunFailed:
		return "fail", summary(r), true
	}
	return "", "", false
}

// summary is a run in one bounded line.
func summary(r store.Run) string {
	s := r.Status
	if r.Message != "" {
		s += ": " + r.Message
	} else if r.Status != store.RunClosed {
		s += fmt.Sprintf(": %d ok, %d failed, %d inserted, %d changed", r.OK, r.Failed, r.Inserted, r.Changed)
	}
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > pingBodyMax {
		s = s[:pingBodyMax]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
	}
	return s
}

// withStartPing wraps a scheduled job's runner to ping URL/start first.
func (d *Daemon) withStartPing(g *Generation, spec schedule.JobSpec, r schedule.Runner) schedule.Runner {
	base := g.Config.PingURL(spec)
	if base == "" {
		return r
	}
	return func(ctx context.Context, spec schedule.JobSpec, run *store.Run) error {
		d.pings.enqueue(ping{job: spec.Name, kind: "start", url: pingURL(base, "start"), redact: g.Config.RedactString})
		return r(ctx, spec, run)
	}
}

// pingOutcome pings the outcome of a recorded run of a scheduled job.
func (d *Daemon) pingOutcome(r store.Run) {
	g := d.current()
	for _, spec := range g.Config.Schedule.Jobs {
		if spec.Name != r.Job {
			continue
		}
		base := g.Config.PingURL(spec)
		suffix, body, ok := outcomePing(r)
		if base == "" || !ok {
			return
		}
		kind := "success"
		if suffix != "" {
			kind = suffix
		}
		d.pings.enqueue(ping{job: r.Job, kind: kind, url: pingURL(base, suffix), body: body, redact: g.Config.RedactString})
		return
	}
}
