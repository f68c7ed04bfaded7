package observe

import (
	"strconv"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/marketd/marketd/sources/httpx"
	"github.com/marketd/marketd/store"
)

// StatsSource is an httpx.Pool: per-host request counters.
type StatsSource interface {
	Stats() map[string]httpx.Stats
}

// Metrics holds marketd's Prometheus metrics in their own registry.
type Metrics struct {
	reg         *prometheus.Registry
	http        *httpCollector
	runs        *prometheus.CounterVec
	runSeconds  *prometheus.HistogramVec
	lastSuccess *prometheus.GaugeVec
	rows        *prometheus.CounterVec
	behind      *prometheus.GaugeVec
	gaps        *prometheus.GaugeVec
	units       *prometheus.CounterVec
	unitInsts   *prometheus.CounterVec
}

// NewMetrics registers marketd's metrics, reading HTTP counters from
// pools (keyed by source name, "yahoo", "naver") at every scrape.
func NewMetrics(pools map[string]StatsSource) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "marketd_runs_total",
			Help: "Job runs by outcome (ok, failed, partial, interrupted, closed).",
		}, []string{"job", "status"}),
		runSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "marketd_run_duration_seconds",
			Help:    "Duration of job runs.",
			Buckets: []float64{1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200},
		}, []string{"job", "status"}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "marketd_last_success_timestamp_seconds",
			Help: "When the job's latest successful run started (Unix time).",
		}, []string{"job"}),
		rows: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "marketd_rows_total",
			Help: "Bars written by runs: inserted, changed (restated) or unchanged.",
		}, []string{"job", "kind"}),
		behind: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "marketd_instruments_behind",
			Help: "Active instruments whose watermark is before the market's last closed session.",
		}, []string{"source"}),
		gaps: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "marketd_open_gaps",
			Help: "Expected sessions with no stored bar, as last counted by the validator.",
		}, []string{"market"}),
		units: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "marketd_units_total",
			Help: "Work units of shared runs this process claimed, finished (done) or let go unfinished (lost: another host redoes them).",
		}, []string{"state"}),
		unitInsts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "marketd_unit_instruments_total",
			Help: "Instruments of the work units this process finished, by the host name units give it: its throughput in shared runs.",
		}, []string{"host"}),
	}
	m.http = &httpCollector{pools: pools}
	m.reg.MustRegister(m.runs, m.runSeconds, m.lastSuccess, m.rows, m.behind, m.gaps, m.units, m.unitInsts, m.http,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// SetPools replaces the pools read at scrape time, after a configuration
// reload built new ones. Their counters start again from zero, which
// Prometheus reads as a counter reset.
func (m *Metrics) SetPools(pools map[string]StatsSource) {
	m.http.mu.Lock()
	defer m.http.mu.Unlock()
	m.http.pools = pools
}

// Registry returns the registry the metrics live in.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// ObserveRun counts a recorded run; it fits schedule.Config.OnRunFinished.
func (m *Metrics) ObserveRun(r store.Run) {
	m.runs.WithLabelValues(r.Job, r.Status).Inc()
	if !r.Finished.IsZero() && !r.Started.IsZero() {
		m.runSeconds.WithLabelValues(r.Job, r.Status).Observe(r.Finished.Sub(r.Started).Seconds())
	}
	if r.Status == store.RunOK {
		m.SetLastSuccess(r.Job, r.Started.Unix())
	}
	m.rows.WithLabelValues(r.Job, "inserted").Add(float64(r.Inserted))
	m.rows.WithLabelValues(r.Job, "changed").Add(float64(r.Changed))
	m.rows.WithLabelValues(r.Job, "unchanged").Add(float64(r.Unchanged))
}

// SetLastSuccess sets a job's last success (Unix seconds), e.g. from the
// run log at start-up.
func (m *Metrics) SetLastSuccess(job string, unix int64) {
	m.lastSuccess.WithLabelValues(job).Set(float64(unix))
}

// SetBehind sets how many of a source's instruments are behind.
func (m *Metrics) SetBehind(source string, n int) { m.behind.WithLabelValues(source).Set(float64(n)) }

// AddUnits counts work units of shared runs, claimed, done and lost, and
// the instruments of those done, by host (the name units give this
// process: its host, and its bound address if any).
func (m *Metrics) AddUnits(host string, claimed, done, lost, instruments int) {
	m.units.WithLabelValues("claimed").Add(float64(claimed))
	m.units.WithLabelValues("done").Add(float64(done))
	m.units.WithLabelValues("lost").Add(float64(lost))
	m.unitInsts.WithLabelValues(host).Add(float64(instruments))
}

// SetGaps sets how many open gaps a market has.
func (m *Metrics) SetGaps(market string, n int) { m.gaps.WithLabelValues(market).Set(float64(n)) }

// httpCollector turns the pools' counters into metrics at scrape time, so
// the transports keep one set of counters and nothing is copied between
// scrapes.
type httpCollector struct {
	mu    sync.Mutex
	pools map[string]StatsSource
}

var (
	httpRequests = prometheus.NewDesc("marketd_http_responses_total",
		"HTTP answers by source, host and status code.", []string{"source", "host", "status"}, nil)
	httpAttempts = prometheus.NewDesc("marketd_http_attempts_total",
		"HTTP attempts sent, retries included.", []string{"source", "host"}, nil)
	httpFailures = prometheus.NewDesc("marketd_http_failures_total",
		"HTTP requests that failed after every attempt.", []string{"source", "host"}, nil)
	httpThrottled = prometheus.NewDesc("marketd_http_throttled_total",
		"429 answers (each one pauses the host).", []string{"source", "host"}, nil)
	httpRetries = prometheus.NewDesc("marketd_http_retries_total",
		"Attempts repeated after a transient failure or a 429.", []string{"source", "host"}, nil)
	httpWaited = prometheus.NewDesc("marketd_http_wait_seconds_total",
		"Time spent waiting for the host's rate limit or a 429 pause.", []string{"source", "host"}, nil)
)

func (*httpCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{httpRequests, httpAttempts, httpFailures, httpThrottled, httpRetries, httpWaited} {
		ch <- d
	}
}

func (c *httpCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	pools := c.pools
	c.mu.Unlock()
	for source, p := range pools {
		for host, st := range p.Stats() {
			for code, n := range st.Statuses {
				ch <- prometheus.MustNewConstMetric(httpRequests, prometheus.CounterValue, float64(n), source, host, strconv.Itoa(code))
			}
			ch <- prometheus.MustNewConstMetric(httpAttempts, prometheus.CounterValue, float64(st.Requests), source, host)
			ch <- prometheus.MustNewConstMetric(httpFailures, prometheus.CounterValue, float64(st.Failures), source, host)
			ch <- prometheus.MustNewConstMetric(httpThrottled, prometheus.CounterValue, float64(st.Throttled), source, host)
			ch <- prometheus.MustNewConstMetric(httpRetries, prometheus.CounterValue, float64(st.Retries), source, host)
			ch <- prometheus.MustNewConstMetric(httpWaited, prometheus.CounterValue, st.Waited.Seconds(), source, host)
		}
	}
}
