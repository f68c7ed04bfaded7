package httpx

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/sethvargo/go-retry"
	"golang.org/x/time/rate"
)

// DefaultUserAgent is a current desktop browser's. Yahoo throttles and
// Naver refuses clients that do not look like a browser.
const DefaultUserAgent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"

// DefaultMaxBody caps one response body, counted after decompression. The
// largest real answer is a whole-history Yahoo chart: 50 years of daily bars
// are about 1-2 MB of JSON (Naver's one-request backfill is smaller). 8 MiB
// is four times that, and a worker's body, its copies and the decoded bars
// for 4 workers stay well inside the unit's 200 MiB memory limit even when a
// host answers every request with a gzip bomb or an endless body.
const DefaultMaxBody = 8 << 20

// Config sets one host's transport.
type Config struct {
	Rate      rate.Limit // requests per second; every attempt spends a token
	Burst     int
	Timeout   time.Duration // one attempt, body included
	UserAgent string
	// MaxAttempts bounds the attempts one request makes through transient
	// failures (5xx, timeouts, resets, truncated bodies).
	MaxAttempts int
	// MaxCooldown is how long the host may keep answering 429 before
	// requests fail fast with ErrRateLimited (for MaxCooldown) instead of
	// hammering it.
	MaxCooldown time.Duration
	// MinBackoff and MaxBackoff bound the retry delay of transient failures
	// and the cool-down after a 429 sent without Retry-After.
	MinBackoff time.Duration
	MaxBackoff time.Duration
	// MaxBody bounds a response body after decompression; a larger one
	// fails its request (ErrBodyTooLarge), never retried. DefaultMaxBody
	// when zero.
	MaxBody int64
	// LocalAddr, when valid, is the address requests leave from (one of
	// the machine's own); the zero Addr lets the system choose. It binds
	// only the transport made when New or NewPool is given no base.
	LocalAddr netip.Addr
	// Clock times the rate limit, 429 pauses and Stats.Waited (the real
	// clock when nil): a test drives it to check the limit exactly.
	Clock clockwork.Clock
}

func (c Config) withDefaults() Config {
	if c.Rate == 0 {
		c.Rate = rate.Inf
	}
	if c.Burst < 1 {
		c.Burst = 1
	}
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	if c.UserAgent == "" {
		c.UserAgent = DefaultUserAgent
	}
	if c.MaxAttempts < 1 {
		c.MaxAttempts = 5
	}
	if c.MaxCooldown <= 0 {
		c.MaxCooldown = 5 * time.Minute
	}
	if c.MinBackoff <= 0 {
		c.MinBackoff = 500 * time.Millisecond
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = 30 * time.Second
	}
	if c.MaxBody <= 0 {
		c.MaxBody = DefaultMaxBody
	}
	if c.Clock == nil {
		c.Clock = clockwork.NewRealClock()
	}
	return c
}

// Transport is one host's rate-limited, retrying http.RoundTripper.
// Share one Transport among every worker that talks to the host: the
// limit and the 429 pause hold for all of them together.
type Transport struct {
	cfg     Config
	base    http.RoundTripper
	limiter *rate.Limiter

	mu           sync.Mutex
	pausedUntil  time.Time     // a 429 pauses every request to the host until then
	cooldown     time.Duration // the next pause when the site sends no Retry-After
	streakStart  time.Time     // the first 429 of the current run of 429s
	blockedUntil time.Time     // after MaxCooldown of 429s, fail fast until then
	statuses     map[int]int64
	waiting      int       // requests in wait now
	waitSince    time.Time // when waiting last rose from none

	// waitNanos is the wall-clock time during which a request waited,
	// up to when the last wait ended.
	requests, throttled, retries, failures, waitNanos atomic.Int64
}

// New returns a Transport that sends through base (http.DefaultTransport when nil).
func New(cfg Config, base http.RoundTripper) *Transport {
	cfg = cfg.withDefaults()
	if base == nil {
		base = baseFor(cfg)
	}
	return &Transport{
		cfg:      cfg,
		base:     base,
		limiter:  rate.NewLimiter(cfg.Rate, cfg.Burst),
		cooldown: cfg.MinBackoff,
		statuses: map[int]int64{},
	}
}

// Client returns an http.Client that sends through t. It has no overall
// timeout: t bounds each attempt, and the request's context bounds the rest.
func (t *Transport) Client() *http.Client { return &http.Client{Transport: t} }

// errThrottled is a 429 the transport has paused for and will retry.
var errThrottled = errors.New("throttled")

// RoundTrip sends a GET or HEAD, retrying transient failures and waiting
// out 429s. Statuses of 400 and above come back as a *StatusError, never
// as a response; a successful response's body is fully read, so a
// truncated body is retried here rather than failing a parser later.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil && req.Body != http.NoBody {
		return nil, fmt.Errorf("httpx: %s %s: only bodiless requests can be retried", req.Method, req.URL.Redacted())
	}
	ctx := req.Context()
	b := retry.NewExponential(t.cfg.MinBackoff)
	b = retry.WithJitterPercent(20, b)
	b = retry.WithCappedDuration(t.cfg.MaxBackoff, b)
	b = retry.WithMaxRetries(uint64(t.cfg.MaxAttempts-1), b)

	var resp *http.Response
	attempt := 0
	err := retry.Do(ctx, b, func(ctx context.Context) error {
		for {
			if attempt++; attempt > 1 {
				t.retries.Add(1)
			}
			r, err := t.attempt(ctx, req)
			switch {
			case errors.Is(err, errThrottled):
				continue // waited out the pause; 429s do not use up attempts
			case err == nil:
				resp = r
				return nil
			case ctx.Err() != nil:
				return ctx.Err()
			case IsTransient(err):
				return retry.RetryableError(err)
			default:
				return err
			}
		}
	})
	if err != nil {
		t.failures.Add(1)
		return nil, err
	}
	return resp, nil
}

func (t *Transport) attempt(ctx context.Context, req *http.Request) (*http.Response, error) {
	if err := t.wait(ctx, req); err != nil {
		return nil, err
	}
	actx, cancel := context.WithTimeout(ctx, t.cfg.Timeout)
	defer cancel()
	out := req.Clone(actx)
	out.Header.Set("User-Agent", t.cfg.UserAgent)
	if out.Header.Get("Accept") == "" {
		out.Header.Set("Accept", "*/*")
	}
	if out.Header.Get("Accept-Language") == "" {
		out.Header.Set("Accept-Language", "en-US,en;q=0.9,ko;q=0.8")
	}
	// http.Transport decompresses only when it asked for gzip itself; a
	// caller's Accept-Encoding (finance-go sends "gzip, deflate, br") would
	// hand the compressed body up, to be inflated past every cap.
	out.Header.Del("Accept-Encoding")

	t.requests.Add(1)
	resp, err := t.base.RoundTrip(out)
	if err != nil {
		// http.Client names the method and URL (url.Error): not again here.
		var dns *net.DNSError
		if errors.As(err, &dns) && dns.IsNotFound {
			// A host that does not exist will not exist on retry.
			return nil, &UnreachableError{Host: req.URL.Hostname(), Err: err}
		}
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			err = &UnreachableError{Host: req.URL.Hostname(), Err: err}
		}
		return nil, markTransient(err)
	}
	body, err := readBody(resp, req.Method, t.cfg.MaxBody)
	resp.Body.Close()
	t.countStatus(resp.StatusCode)
	if err != nil {
		if errors.Is(err, ErrBodyTooLarge) || errors.Is(err, errEncoding) {
			return nil, fmt.Errorf("%s %s: %w", req.Method, req.URL.Redacted(), err)
		}
		return nil, markTransient(fmt.Errorf("%s %s: reading body: %w", req.Method, req.URL.Redacted(), err))
	}
	if resp.StatusCode >= 400 {
		serr := &StatusError{
			Method:     req.Method,
			URL:        req.URL.Redacted(),
			Code:       resp.StatusCode,
			RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), t.cfg.Clock.Now()),
			Body:       body[:min(len(body), 4096)],
		}
		if resp.StatusCode == http.StatusTooManyRequests {
			t.throttled.Add(1)
			if t.throttle(serr.RetryAfter) {
				return nil, fmt.Errorf("%w after %s of 429s: %w", ErrRateLimited, t.cfg.MaxCooldown, serr)
			}
			return nil, errThrottled
		}
		return nil, serr
	}
	t.recovered()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	// The body is final: nothing above may inflate it again past the cap
	// (colly gunzips a body typed application/gzip unless Uncompressed).
	resp.Uncompressed = true
	return resp, nil
}

// wait blocks until the host is not paused and the limiter grants a token.
func (t *Transport) wait(ctx context.Context, req *http.Request) error {
	t.waitBegin()
	defer t.waitEnd()
	for {
		t.mu.Lock()
		blocked, paused := t.blockedUntil, t.pausedUntil
		t.mu.Unlock()
		now := t.cfg.Clock.Now()
		if now.Before(blocked) {
			return fmt.Errorf("%s %s: %w: the host kept answering 429 for %s; not trying again before %s",
				req.Method, req.URL.Redacted(), ErrRateLimited, t.cfg.MaxCooldown, blocked.Format(time.RFC3339))
		}
		if now.Before(paused) {
			if err := t.sleep(ctx, paused.Sub(now)); err != nil {
				return err
			}
			continue
		}
		if err := t.token(ctx, req); err != nil {
			return err
		}
		t.mu.Lock()
		paused = t.pausedUntil
		t.mu.Unlock()
		if !t.cfg.Clock.Now().Before(paused) {
			return nil
		}
	}
}

// token waits for the limiter's next token on the transport's clock
// (rate.Limiter.Wait reads the real one). A token that would come after
// ctx's deadline is refused at once, as the deadline callers branch on.
func (t *Transport) token(ctx context.Context, req *http.Request) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	now := t.cfg.Clock.Now()
	r := t.limiter.ReserveN(now, 1)
	if !r.OK() {
		return fmt.Errorf("%s %s: rate limit burst %d cannot grant a token", req.Method, req.URL.Redacted(), t.cfg.Burst)
	}
	delay := r.DelayFrom(now)
	if deadline, ok := ctx.Deadline(); ok && now.Add(delay).After(deadline) {
		r.CancelAt(now)
		return fmt.Errorf("%s %s: %w: the rate limit's next token comes in %s", req.Method, req.URL.Redacted(), context.DeadlineExceeded, delay)
	}
	if err := t.sleep(ctx, delay); err != nil {
		// Hand the token back: it may let another request go sooner.
		r.CancelAt(t.cfg.Clock.Now())
		return err
	}
	return nil
}

// waitBegin and waitEnd count the wall-clock time during which any
// request waits: workers that wait together wait once, not once each, so
// that a run's "waited" is time the run lost.
func (t *Transport) waitBegin() {
	t.mu.Lock()
	if t.waiting == 0 {
		t.waitSince = t.cfg.Clock.Now()
	}
	t.waiting++
	t.mu.Unlock()
}

func (t *Transport) waitEnd() {
	t.mu.Lock()
	if t.waiting--; t.waiting == 0 {
		t.waitNanos.Add(int64(t.cfg.Clock.Since(t.waitSince)))
	}
	t.mu.Unlock()
}

// throttle pauses the host after a 429 and reports whether the host has
// now been throttling for longer than MaxCooldown.
func (t *Transport) throttle(retryAfter time.Duration) (gaveUp bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.cfg.Clock.Now()
	if t.streakStart.IsZero() {
		t.streakStart = now
	}
	pause := retryAfter
	if pause <= 0 {
		pause = t.cooldown
		t.cooldown = min(2*t.cooldown, t.cfg.MaxBackoff)
	}
	if now.Add(pause).Sub(t.streakStart) > t.cfg.MaxCooldown {
		t.blockedUntil = now.Add(t.cfg.MaxCooldown)
		t.streakStart, t.cooldown = time.Time{}, t.cfg.MinBackoff
		return true
	}
	if until := now.Add(pause); until.After(t.pausedUntil) {
		t.pausedUntil = until
	}
	return false
}

func (t *Transport) recovered() {
	t.mu.Lock()
	t.streakStart, t.cooldown = time.Time{}, t.cfg.MinBackoff
	t.mu.Unlock()
}

func (t *Transport) countStatus(code int) {
	t.mu.Lock()
	t.statuses[code]++
	t.mu.Unlock()
}

// Stats are a Transport's counters since it was made.
type Stats struct {
	Requests  int64         // attempts sent, retries included
	Throttled int64         // 429 answers
	Retries   int64         // attempts repeated after a transient failure or a 429
	Failures  int64         // requests that failed after every attempt
	Waited    time.Duration // wall-clock time during which requests waited for the limiter or a 429 pause
	Statuses  map[int]int64 // answers by HTTP status
	// Paused is what remains of the 429 pause in force when the snapshot
	// was taken: a reading, not a counter.
	Paused time.Duration
}

// Stats returns a snapshot of t's counters. Callers wanting per-run figures
// subtract the snapshot taken at the start of the run.
func (t *Transport) Stats() Stats {
	t.mu.Lock()
	st := make(map[int]int64, len(t.statuses))
	for k, v := range t.statuses {
		st[k] = v
	}
	paused := max(time.Until(t.pausedUntil), 0)
	waited := time.Duration(t.waitNanos.Load())
	if t.waiting > 0 {
		waited += t.cfg.Clock.Since(t.waitSince)
	}
	t.mu.Unlock()
	return Stats{
		Requests:  t.requests.Load(),
		Throttled: t.throttled.Load(),
		Retries:   t.retries.Load(),
		Failures:  t.failures.Load(),
		Waited:    waited,
		Statuses:  st,
		Paused:    paused,
	}
}

// Sub returns the counters accumulated since an earlier snapshot, and
// s's own Paused reading.
func (s Stats) Sub(earlier Stats) Stats {
	d := Stats{
		Requests:  s.Requests - earlier.Requests,
		Throttled: s.Throttled - earlier.Throttled,
		Retries:   s.Retries - earlier.Retries,
		Failures:  s.Failures - earlier.Failures,
		Waited:    s.Waited - earlier.Waited,
		Statuses:  map[int]int64{},
		Paused:    s.Paused,
	}
	for k, v := range s.Statuses {
		if n := v - earlier.Statuses[k]; n != 0 {
			d.Statuses[k] = n
		}
	}
	return d
}

// errEncoding is a body in a Content-Encoding we cannot decode (we asked
// for none but gzip): permanent.
var errEncoding = errors.New("unsupported Content-Encoding")

// readBody reads the whole body, decompressed, failing on a body shorter
// than its Content-Length (a truncated transfer) or longer than limit once
// decompressed.
func readBody(resp *http.Response, method string, limit int64) ([]byte, error) {
	r := io.Reader(resp.Body)
	switch enc := strings.ToLower(strings.TrimSpace(resp.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
	case "gzip", "x-gzip":
		// Only a base transport that does not decompress hands gzip up.
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			return nil, err
		}
		defer zr.Close()
		r = zr
		resp.Header.Del("Content-Encoding")
		resp.Uncompressed = true
	default:
		return nil, fmt.Errorf("%w %q", errEncoding, enc)
	}
	body, err := readCapped(r, limit)
	if err != nil {
		return nil, err
	}
	// A HEAD answer announces the length of a body it never sends.
	if method != http.MethodHead && resp.ContentLength >= 0 && !resp.Uncompressed && int64(len(body)) != resp.ContentLength {
		return nil, fmt.Errorf("got %d of %d bytes: %w", len(body), resp.ContentLength, io.ErrUnexpectedEOF)
	}
	return body, nil
}

// chunkSize is the unit readCapped reads in.
const chunkSize = 64 << 10

// readCapped reads r to its end, or fails with ErrBodyTooLarge past limit.
// It reads into fixed chunks and copies them once into a slice of the
// exact size: io.ReadAll's doublings would leave up to twice the cap of
// garbage per response, and with 4 workers that was most of the memory.
func readCapped(r io.Reader, limit int64) ([]byte, error) {
	var chunks [][]byte
	var total int64
	for {
		chunk := make([]byte, chunkSize)
		n, err := io.ReadFull(r, chunk)
		if n > 0 {
			chunks = append(chunks, chunk[:n])
			if total += int64(n); total > limit {
				return nil, fmt.Errorf("%w: over the %s cap (decompressed)", ErrBodyTooLarge, sizeString(limit))
			}
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	return bytes.Join(chunks, nil), nil
}

// sizeString writes n bytes as MiB or KiB when it is a whole number of them.
func sizeString(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// parseRetryAfter reads Retry-After as seconds or as an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second
	}
	if at, err := http.ParseTime(v); err == nil && at.After(now) {
		return at.Sub(now)
	}
	return 0
}

// sleep waits d on the transport's clock, or until ctx ends.
func (t *Transport) sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	timer := t.cfg.Clock.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.Chan():
		return nil
	}
}
