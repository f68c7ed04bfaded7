package observe

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Pinger is the database: the Store.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Runner is the scheduler.
type Runner interface {
	Running() bool
}

// pingTimeout bounds /readyz's database check so that a hung database
// makes the probe fail rather than hang.
const pingTimeout = 2 * time.Second

// Handler serves /healthz, /readyz and /metrics.
func Handler(m *Metrics, db Pinger, sched Runner) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		var problems []string
		ctx, cancel := context.WithTimeout(r.Context(), pingTimeout)
		defer cancel()
		if err := db.Ping(ctx); err != nil {
			problems = append(problems, "database: "+err.Error())
		}
		if !sched.Running() {
			problems = append(problems, "scheduler: not running")
		}
		if len(problems) > 0 {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, strings.Join(problems, "\n"))
			return
		}
		fmt.Fprintln(w, "ok")
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.Registry(), promhttp.HandlerOpts{Registry: m.Registry()}))
	return mux
}
