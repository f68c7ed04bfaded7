// Package observe serves marketd's operational HTTP endpoints: /healthz
// (the process answers), /readyz (the database answers and the scheduler
// runs) and /metrics (Prometheus).
//
// Metrics live in a registry of their own, never the global default one, so
// tests and several daemons in one process do not collide. HTTP counters
// are read from the httpx pools at scrape time; run figures are pushed by
// the scheduler's OnRunFinished hook (Metrics.ObserveRun); the backlog
// gauges are set by whoever computes them (collector, validator).
package observe
