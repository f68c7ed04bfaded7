package sourcetest

import (
	"net/http"
	"strconv"
	"sync/atomic"
)

// Throttle sheds load the way a real site does below its advertised limit:
// it answers every Every-th request with 429 and Retry-After, whatever the
// client's pace, and passes the others to Handler. Such 429s are not rate
// limit violations (the market's Stats never see them), so a test can
// force 429s and still hold a well-behaved client to zero violations.
type Throttle struct {
	Handler    http.Handler
	Every      int // 0 = never
	RetryAfter int // seconds; 0 = no header (the client picks its cool-down)

	n, throttled atomic.Int64
}

// ServeHTTP implements http.Handler.
func (t *Throttle) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if n := t.n.Add(1); t.Every > 0 && n%int64(t.Every) == 0 {
		t.throttled.Add(1)
		if t.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(t.RetryAfter))
		}
		http.Error(w, "Edge: Too Many Requests", http.StatusTooManyRequests)
		return
	}
	t.Handler.ServeHTTP(w, r)
}

// Throttled returns how many requests were answered 429.
func (t *Throttle) Throttled() int64 { return t.throttled.Load() }
