// Package e2e holds marketd's end-to-end tests and pipeline benchmarks
// (all in its _test files): the whole product (sources → collector → store
// → validate, and the marketd binary where a process matters) against the
// simulated market (sources/sourcetest) and the real MariaDB server.
//
// The tests run under `go test ./...`; the benchmarks only with -bench
// (`make bench`, which prints them with cmd/benchreport).
package e2e
